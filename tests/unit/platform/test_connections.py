"""The connection graph: both directions change together or not at all."""

import pytest

from imegha_service.errors import Conflict, InvalidRequest, NotFound


@pytest.fixture
def graph(stores):
    from logic import connections, directory

    directory_store, connections_store, _ = stores
    for user_id, tag in [("alice-id", "Alice"), ("bob-id", "Bob"), ("carol-id", "Carol")]:
        directory.register_user(directory_store, user_id, f"{tag.lower()}@example.org", tag)
    return connections, directory_store, connections_store


def test_request_then_accept_connects_both_sides(graph):
    connections, directory_store, store = graph

    asked = connections.request_connection(directory_store, store, "alice-id", "bob")
    accepted = connections.accept_connection(store, "bob-id", "alice-id")

    assert asked == {"peerId": "bob-id", "iMTag": "Bob", "status": "outgoing"}
    assert accepted["status"] == "connected"
    assert [c["status"] for c in connections.list_connections(store, "alice-id")] == ["connected"]
    assert [c["iMTag"] for c in connections.list_connections(store, "bob-id")] == ["Alice"]


def test_asking_someone_who_already_asked_you_accepts(graph):
    connections, directory_store, store = graph
    connections.request_connection(directory_store, store, "alice-id", "Bob")

    result = connections.request_connection(directory_store, store, "bob-id", "ALICE")

    assert result["status"] == "connected"
    assert store.status("alice-id", "bob-id") == "connected"


def test_a_repeated_request_is_a_conflict_and_changes_nothing(graph):
    connections, directory_store, store = graph
    connections.request_connection(directory_store, store, "alice-id", "Bob")

    with pytest.raises(Conflict):
        connections.request_connection(directory_store, store, "alice-id", "Bob")
    assert store.status("bob-id", "alice-id") == "incoming"


def test_only_the_asked_side_can_accept_or_decline(graph):
    connections, directory_store, store = graph
    connections.request_connection(directory_store, store, "alice-id", "Bob")

    with pytest.raises(Conflict):
        connections.accept_connection(store, "alice-id", "bob-id")
    with pytest.raises(Conflict):
        connections.decline_connection(store, "alice-id", "bob-id")
    assert store.status("alice-id", "bob-id") == "outgoing"
    assert store.status("bob-id", "alice-id") == "incoming"


def test_decline_and_remove_delete_both_directions(graph):
    connections, directory_store, store = graph
    connections.request_connection(directory_store, store, "alice-id", "Bob")
    connections.request_connection(directory_store, store, "alice-id", "Carol")
    connections.accept_connection(store, "carol-id", "alice-id")

    connections.decline_connection(store, "bob-id", "alice-id")
    connections.remove_connection(store, "carol-id", "alice-id")

    assert connections.list_connections(store, "alice-id") == []
    assert connections.list_connections(store, "bob-id") == []
    assert connections.list_connections(store, "carol-id") == []


def test_removing_a_connection_that_does_not_exist_is_reported(graph):
    connections, _, store = graph

    with pytest.raises(Conflict):
        connections.remove_connection(store, "alice-id", "bob-id")


def test_unknown_imtag_and_self_are_refused(graph):
    connections, directory_store, store = graph

    with pytest.raises(NotFound):
        connections.request_connection(directory_store, store, "alice-id", "nobody")
    with pytest.raises(InvalidRequest):
        connections.request_connection(directory_store, store, "alice-id", "alice")
    assert connections.list_connections(store, "alice-id") == []


@pytest.mark.parametrize("step", ["accept_connection", "decline_connection", "remove_connection"])
def test_accepting_declining_or_removing_oneself_is_refused_as_a_bad_request(graph, step):
    connections, _, store = graph

    with pytest.raises(InvalidRequest, match="yourself"):
        getattr(connections, step)(store, "alice-id", "alice-id")
    assert connections.list_connections(store, "alice-id") == []
