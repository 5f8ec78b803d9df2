"""Graph algorithms shared by the review rules and the load estimate: pure, iterative, linear.

No recursion: boards may be long chains, and Python's stack is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence


def strongly_connected_components(
    vertices: Iterable[int], succ: Mapping[int, Sequence[int]] | Sequence[Sequence[int]], n: int
) -> Iterator[list[int]]:
    """Tarjan's strongly connected components of the subgraph on `vertices` (iterative, linear).

    `succ[v]` lists v's successors inside the subgraph; node numbers are below n. Components are
    yielded as they complete, which is a reverse topological order of the graph of components
    (a component comes after every component it reaches); most are single nodes.
    """
    index = [-1] * n
    low = [0] * n
    on_stack = bytearray(n)
    component_stack: list[int] = []
    counter = 0
    # The search path and each of its nodes' unread successors, as two parallel stacks: a tuple per
    # frame would allocate one more object for every node of the board.
    path: list[int] = []
    unread: list[Iterator[int]] = []
    for root in vertices:
        if index[root] >= 0:
            continue
        index[root] = low[root] = counter
        counter += 1
        component_stack.append(root)
        on_stack[root] = True
        path.append(root)
        unread.append(iter(succ[root]))
        while path:
            v = path[-1]
            for w in unread[-1]:
                if index[w] < 0:
                    index[w] = low[w] = counter
                    counter += 1
                    component_stack.append(w)
                    on_stack[w] = True
                    path.append(w)
                    unread.append(iter(succ[w]))
                    break
                if on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
            else:
                path.pop()
                unread.pop()
                if path:
                    u = path[-1]
                    if low[v] < low[u]:
                        low[u] = low[v]
                if low[v] == index[v]:
                    component: list[int] = []
                    while True:
                        w = component_stack.pop()
                        on_stack[w] = False
                        component.append(w)
                        if w == v:
                            break
                    yield component
