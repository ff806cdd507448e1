"""Group chats on the device: the group key is made here, wrapped for each member, and changed when one leaves.

The creator's device makes the group and its first key (epoch 0), wraps the key
for every member's RSA key with a signed grant, and signs the first roster.
The platform keeps the memberships and each member's copies; every device
checks the admin's roster chain against the member list the platform serves
(a ghost member is refused) and each copy's grant before using a key, then
keeps its own copies, wrapped under its DEK, in its own cloud: what a member
had stays readable to them after they leave, and nothing newer does.

Removing a member moves the group to a new epoch in the same platform
transaction: the admin's device makes the new key, wraps it for every member
who stays, and sends it with the roster that removes them, so once the removal
is committed nobody has the old epoch to seal under. (A group an earlier
version left at an epoch without a key gets it from the next member to send.)
A message sealed under an epoch after the group left it is refused by readers.

The roster that removes someone records the last sequence of theirs the
admin's device read in their cloud, or that it could not be read; in that
case each reader accepts from them only what its own device had seen before
it learned of the removal (kept in the profile, as sequences only).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from imegha_crypto import (
    CryptoError,
    ExchangePublicKey,
    GroupKey,
    Roster,
    b64url_encode,
    group_key_context,
    group_name_context,
    new_group_id,
    open_data,
    seal_data,
    sign_history_grant,
    sign_key_grant,
    sign_roster,
    unwrap_key,
    verify_key_grant,
    verify_record,
    verify_roster_chain,
    wrap_key,
)

from .accounts import PeerLeft
from .chat import Chat, ChatError, Line, _instant, open_line, refused_line
from .documents import JSONObject
from .platform_api import ApiError
from .trust import Peer

# The profile document where this device keeps, per group and member, the last sequence of theirs it opened.
SEEN_DOCUMENT = "group-messages-seen"
# How many members' clouds a device reads from at once.
READERS = 8


@dataclass(frozen=True)
class GroupView:
    """A group as this member's device has checked it."""

    group_id: str
    admin: str
    epoch: int
    needs_new_key: bool
    members: tuple[str, ...]
    roster: Roster
    roster_record: JSONObject
    tags: dict[str, str]
    """The iMTag of everyone any roster named: current and former members."""
    epochs: tuple[JSONObject, ...]
    """When each epoch started (``{"epoch", "startedAt"}``); empty for a former member."""
    keys: dict[int, GroupKey]
    name: str | None
    next_sequence: int
    member: bool
    history_grant: JSONObject | None = None
    """The admin's grant of the history to this member, if they shared it when adding them."""
    departed: tuple[str, ...] = ()
    """Members whose accounts were deleted: the signed roster names them until the admin's device removes them (with
    a new epoch) the next time it sends or changes the group; nobody rings or reads them meanwhile."""

    def summary(self) -> JSONObject:
        return {
            "groupId": self.group_id,
            "name": self.name,
            "admin": self.tags.get(self.admin, self.admin),
            "members": sorted(self.tags[member] for member in self.members),
            "epoch": self.epoch,
            "needsNewKey": self.needs_new_key,
            "member": self.member,
            "departed": sorted(self.tags[member] for member in self.departed),
        }


class Groups:
    """One signed-in person's groups: made, changed (a new key when someone leaves), written to and read.

    >>> groups = Groups(Chat(alice))  # doctest: +SKIP
    >>> groups.create("Case team", ["Bob", "Carol"])  # doctest: +SKIP
    >>> groups.send("Case team", "The hearing moved to Monday")  # doctest: +SKIP
    """

    def __init__(self, chat: Chat):
        self.chat = chat

    # --- making and changing groups ---------------------------------------------------------

    def create(self, name: str, member_tags: list[str]) -> GroupView:
        chat = self.chat
        peers = {peer.user_id: peer for peer in map(chat.peer, dict.fromkeys(member_tags)) if peer.user_id != chat.me}
        if not peers:
            raise ChatError("a group needs at least one member besides you")
        group_id = new_group_id()
        members = [{"userId": chat.me, "iMTag": chat.my_tag}] + [
            {"userId": peer.user_id, "iMTag": peer.imtag} for peer in peers.values()
        ]
        roster = sign_roster(chat.keys.identity_key, group_id=group_id, admin=chat.me, members=members, previous=None)
        key = GroupKey.generate(0)
        exchange_keys = {peer.user_id: peer.exchange_key for peer in peers.values()}
        exchange_keys[chat.me] = chat.keys.exchange_key.public_key
        chat.platform.create_group(
            {
                "roster": roster,
                "copies": self._copies(group_id, key, exchange_keys),
                "sealedName": seal_data(key, name.encode(), group_name_context(group_id, 0)),
            }
        )
        self._keep(group_id, roster, {0: key})
        return self.view(group_id)

    def add(self, group: str, imtag: str, with_history: bool = False) -> GroupView:
        """Add a member with the current epoch's key; ``with_history`` also gives them every earlier key held here."""
        view = self._as_admin(self.resolve(group))
        if view.needs_new_key:
            view = self._make_epoch_key(view)
        peer = self.chat.peer(imtag)
        if peer.user_id in view.members:
            raise ChatError(f"{peer.imtag} is in the group already")
        members = [*view.roster.members, {"userId": peer.user_id, "iMTag": peer.imtag}]
        roster = sign_roster(
            self.chat.keys.identity_key,
            group_id=view.group_id,
            admin=self.chat.me,
            members=members,
            previous=view.roster_record,
        )
        # The current epoch's key; the history only when the admin shares it: the earlier keys, and a grant each
        # sender's cloud checks before serving messages that were not sent to the new member.
        shared = [view.keys[epoch] for epoch in sorted(view.keys) if epoch == view.epoch or with_history]
        copies = {
            key.epoch: self._copies(view.group_id, key, {peer.user_id: peer.exchange_key})[peer.user_id]
            for key in shared
        }
        copy = copies.pop(view.epoch)
        history = None
        if with_history:
            history = {
                "copies": copies,
                "grant": sign_history_grant(
                    self.chat.keys.identity_key, group_id=view.group_id, member=peer.user_id, through_epoch=view.epoch
                ),
            }
        self.chat.platform.add_member(view.group_id, roster, copy, history)
        return self.view(view.group_id)

    def accept(self, group: str) -> GroupView:
        """Say yes to a group one was added to: until then its messages are requests (no push, not opened unasked)."""
        group_id = self.resolve(group)
        self.chat.platform.accept_group(group_id)
        return self.view(group_id)

    def remove(self, group: str, imtag: str) -> GroupView:
        """Remove a member: the roster without them and the next epoch's key, made here for the members who stay,
        committed together by the platform."""
        view = self._as_admin(self.resolve(group))
        removed = next((member for member in view.members if view.tags[member].casefold() == imtag.casefold()), None)
        if removed is None:
            raise ChatError(f"{imtag} is not in the group")
        if removed == self.chat.me:
            raise ChatError("the admin stays in their group")
        return self._remove(view, removed)

    def _remove(self, view: GroupView, removed: str) -> GroupView:
        members = [member for member in view.roster.members if member["userId"] != removed]
        roster = sign_roster(
            self.chat.keys.identity_key,
            group_id=view.group_id,
            admin=self.chat.me,
            members=members,
            previous=view.roster_record,
            departed=self._last_posted(view, removed),
        )
        staying = [member for member in view.members if member != removed]
        self.chat.platform.remove_member(view.group_id, roster, *self._new_key(view, view.epoch + 1, staying))
        return self.view(view.group_id)

    def _last_posted(self, view: GroupView, member: str) -> dict[str, int | None]:
        """The last sequence of ``member``'s in their cloud, as the admin sees it now: recorded in the roster that
        removes them, so that readers refuse anything their cloud holds later (a message backdated under an old
        key): 0 if they have no cloud, None (unknown) if their cloud cannot be read now, so that readers accept
        only what they had seen of theirs."""
        if member in view.departed:
            return {member: None}  # their account, and so their cloud's tokens, are gone: unknown
        peer = self._peer(view, member)
        if not peer.cloud_url:
            return {member: 0}
        try:
            page = self.chat.cloud_of(peer).messages(view.group_id)
        except (ApiError, OSError):
            return {member: None}
        return {member: max((item["sequence"] for item in page["messages"]), default=0)}

    def _as_admin(self, group_id: str) -> GroupView:
        view = self.view(group_id)
        if not view.member:
            raise ChatError("you are no longer a member of this group")
        if view.admin != self.chat.me:
            raise ChatError(f"only the group's admin, {view.tags[view.admin]}, changes who is in it")
        return view

    def _make_epoch_key(self, view: GroupView) -> GroupView:
        """Make the key of the epoch that needs one (left so by an earlier version), for exactly the current
        members; another member may win."""
        try:
            self.chat.platform.put_epoch_key(view.group_id, view.epoch, *self._new_key(view, view.epoch, view.members))
        except ApiError as error:
            if error.status != 409:
                raise
        return self.view(view.group_id)

    def _new_key(self, view: GroupView, epoch: int, members: Iterable[str]) -> tuple[JSONObject, JSONObject]:
        """A new key of ``epoch``: its copy for each of ``members``, and the group's name sealed under it."""
        key = GroupKey.generate(epoch)
        exchange_keys = {member: self._exchange_key(view, member) for member in members}
        sealed_name = seal_data(key, (view.name or "").encode(), group_name_context(view.group_id, epoch))
        return self._copies(view.group_id, key, exchange_keys), sealed_name

    def _exchange_key(self, view: GroupView, member: str) -> ExchangePublicKey:
        if member == self.chat.me:
            return self.chat.keys.exchange_key.public_key
        peer = self.chat.peer(view.tags[member])
        if peer.user_id != member:
            raise ChatError(f"{view.tags[member]} is now another user than the group's member")
        return peer.exchange_key

    def _copies(self, group_id: str, key: GroupKey, exchange_keys: dict[str, ExchangePublicKey]) -> JSONObject:
        """The key wrapped for each member's RSA key, with the admin's grant for each copy."""
        copies: JSONObject = {}
        for member, exchange_key in exchange_keys.items():
            wrapped = wrap_key(key, wrapping_key=exchange_key, context=group_key_context(group_id, member, key.epoch))
            copies[member] = {
                "wrappedKey": wrapped,
                "grant": sign_key_grant(
                    self.chat.keys.identity_key,
                    conversation_id=group_id,
                    version=key.epoch,
                    member=member,
                    copy=wrapped,
                ),
            }
        return copies

    # --- what a member's device knows of a group ------------------------------------------------

    def list(self) -> list[GroupView]:
        return [self.view(group["groupId"]) for group in self.chat.platform.groups()]

    def invitations(self) -> set[str]:
        """The ids of the groups this person was added to and has not accepted yet."""
        return {group["groupId"] for group in self.chat.platform.groups() if group.get("invited")}

    def resolve(self, group: str) -> str:
        """A group id, from its id or its name among this person's groups."""
        if group.startswith("grp-"):
            return group
        named = [view.group_id for view in self.list() if view.name == group]
        if len(named) != 1:
            raise ChatError(
                f"none of your groups is named {group!r} (one you were removed from is read by its id)"
                if not named
                else f"{len(named)} groups are named {group!r}: use the id ('imegha group ls')"
            )
        return named[0]

    def view(self, group_id: str) -> GroupView:
        """The group as checked here: the roster chain, the member list against it, each new key copy's grant."""
        chat = self.chat
        try:
            state = chat.platform.group(group_id)
        except ApiError as error:
            if error.status != 403:
                raise
            return self._kept_view(group_id)
        kept = self._kept(group_id) or {}
        rosters = state["rosters"]
        tags = {member["userId"]: member["iMTag"] for record in rosters for member in record["body"]["members"]}
        roster = self._checked(group_id, rosters, state["admin"], tags)
        if roster.member_ids != set(state["members"]):
            raise ChatError(
                f"WARNING: the platform's members of group {group_id} are not the ones its admin signed "
                f"for ({sorted(set(state['members']) ^ roster.member_ids)} differ): not trusting it"
            )
        keys = self._kept_keys(group_id, kept)
        new = {}
        for version, copy in state["copies"].items():
            epoch = int(version)
            if epoch in keys:
                continue
            maker = copy["maker"]
            if maker not in tags:
                raise ChatError(f"WARNING: the key of epoch {epoch} comes from someone who was never in the group")
            try:
                verify_key_grant(
                    copy["grant"],
                    copy["wrappedKey"],
                    maker_identity=chat.identity_of(maker, tags[maker]),
                    conversation_id=group_id,
                    version=epoch,
                    member=chat.me,
                )
                new[epoch] = unwrap_key(
                    copy["wrappedKey"],
                    GroupKey,
                    unwrapping_key=chat.keys.exchange_key,
                    context=group_key_context(group_id, chat.me, epoch),
                )
            except CryptoError as error:
                raise ChatError(f"WARNING: your key of epoch {epoch} does not check out: {error}") from None
        keys |= new
        if new or (kept.get("roster") or {}).get("body", {}).get("version") != roster.version:
            self._keep(group_id, rosters[-1], new or {epoch: keys[epoch] for epoch in sorted(keys)[-1:]})
        return GroupView(
            group_id=group_id,
            admin=state["admin"],
            epoch=state["epoch"],
            needs_new_key=state["needsNewKey"],
            members=tuple(sorted(state["members"])),
            roster=roster,
            roster_record=rosters[-1],
            tags=tags,
            epochs=tuple(state["epochs"]),
            keys=keys,
            name=self._name(group_id, keys, state["names"]),
            next_sequence=kept.get("nextSequence", 1),
            member=True,
            history_grant=state.get("historyGrant"),
            departed=tuple(sorted(set(state.get("departed", ())) & roster.member_ids)),
        )

    # Past Groups.list, "list" in this class names that method: the built-in is builtins.list.

    def _checked(self, group_id: str, rosters: builtins.list[JSONObject], admin: str, tags: dict[str, str]) -> Roster:
        try:
            return verify_roster_chain(
                rosters, group_id=group_id, admin_identity=self.chat.identity_of(admin, tags.get(admin, admin))
            )
        except CryptoError as error:
            raise ChatError(f"WARNING: group {group_id}'s rosters do not check out: {error}") from None

    def _kept_view(self, group_id: str) -> GroupView:
        """What a former member kept in their own cloud: the last roster they saw and the keys they had."""
        kept = self._kept(group_id)
        if kept is None or "roster" not in kept:
            raise ChatError("you are not a member of this group")
        record = kept["roster"]
        members = record["body"]["members"]
        tags = {member["userId"]: member["iMTag"] for member in members}
        admin = record["body"]["admin"]
        try:
            verify_record(record, "group-roster", self.chat.identity_of(admin, tags[admin]))
        except CryptoError as error:
            raise ChatError(f"WARNING: the roster kept in your cloud does not check out: {error}") from None
        keys = self._kept_keys(group_id, kept)
        roster = Roster(group_id, record["body"]["version"], admin, tuple(members))
        return GroupView(
            group_id=group_id,
            admin=admin,
            epoch=max(keys, default=0),
            needs_new_key=False,
            members=tuple(sorted(tags)),
            roster=roster,
            roster_record=record,
            tags=tags,
            epochs=(),
            keys=keys,
            name=None,
            next_sequence=kept.get("nextSequence", 1),
            member=False,
        )

    def _kept(self, group_id: str) -> JSONObject | None:
        """What this person's own cloud keeps of the group; nothing before they have a cloud."""
        own_cloud = self.chat.own_cloud
        return own_cloud.conversation(group_id) if own_cloud else None

    def _kept_keys(self, group_id: str, kept: JSONObject) -> dict[int, GroupKey]:
        return {
            int(version): unwrap_key(
                wrapped["wrappedKey"],
                GroupKey,
                unwrapping_key=self.chat.keys.data_key,
                context=group_key_context(group_id, self.chat.me, int(version)),
            )
            for version, wrapped in (kept.get("keys") or {}).items()
        }

    def _keep(self, group_id: str, roster: JSONObject, keys: dict[int, GroupKey]) -> None:
        """Keep the roster, the admin's identity key (by which the cloud checks history grants) and these keys,
        wrapped under this person's DEK, in their own cloud (with none yet, the platform's copies are all there is)."""
        if not keys or self.chat.own_cloud is None:
            return
        admin = roster["body"]["admin"]
        tag = next(member["iMTag"] for member in roster["body"]["members"] if member["userId"] == admin)
        self.chat.my_cloud.save_conversation(
            group_id,
            {
                "roster": roster,
                "adminIdentity": b64url_encode(self.chat.identity_of(admin, tag).der),
                "keys": {
                    str(epoch): {
                        "wrappedKey": wrap_key(
                            key,
                            wrapping_key=self.chat.keys.data_key,
                            context=group_key_context(group_id, self.chat.me, epoch),
                        )
                    }
                    for epoch, key in keys.items()
                },
            },
        )

    @staticmethod
    def _name(group_id: str, keys: dict[int, GroupKey], names: dict[str, JSONObject]) -> str | None:
        for epoch in sorted((int(version) for version in names), reverse=True):
            if epoch in keys:
                try:
                    name: str = open_data(keys[epoch], names[str(epoch)], group_name_context(group_id, epoch)).decode()
                except CryptoError:
                    return None
                return name
        return None

    # --- messages -------------------------------------------------------------------------------

    def send(self, group: str, text: str) -> Line:
        view = self.view(self.resolve(group))
        if not view.member:
            raise ChatError("you are no longer a member of this group")
        if view.needs_new_key:
            view = self._make_epoch_key(view)
        if view.admin == self.chat.me:
            for gone in view.departed:  # each a removal with its new epoch, before anything more is sealed
                view = self._remove(view, gone)
        key = view.keys.get(view.epoch)
        if key is None:
            raise ChatError(f"the group's key of epoch {view.epoch} has not reached you yet; try again shortly")
        recipients = [member for member in view.members if member not in (self.chat.me, *view.departed)]
        if not recipients:
            raise ChatError("you are the group's only member")
        return self.chat.post(view.group_id, key, text, recipients, view.next_sequence)

    def read(self, group: str, unanswered: builtins.list[str] | None = None) -> builtins.list[Line]:
        """Every message of the group this person may read, from each member's cloud, in the order sent.

        With ``unanswered``, another member's cloud that does not answer is left out and named there (what it
        said is missing, not refused); without, its error is raised.
        """
        view = self.view(self.resolve(group))

        # Looked up one by one (each lookup may pin a key), then each member's cloud asked side by side; a member
        # with no cloud yet (this person too) has posted nothing.
        # Whoever deleted their account is looked up no more (the directory forgot them): what they posted left with
        # their cloud, whose tokens the platform no longer issues.
        peers = {
            member: self._peer(view, member)
            for member in view.tags
            if member != self.chat.me and member not in view.departed and self._still_here(view, member)
        }
        clouds = {member: self.chat.cloud_of(peer) for member, peer in peers.items() if peer.cloud_url}
        if self.chat.own_cloud:
            clouds[self.chat.me] = self.chat.own_cloud

        seen = self._seen(view.group_id)

        def from_cloud_of(member: str) -> builtins.list[Line]:
            try:
                page = clouds[member].messages(
                    view.group_id, history_grant=None if member == self.chat.me else view.history_grant
                )
            except (ApiError, OSError) as error:
                if unanswered is None or member == self.chat.me:
                    raise
                unanswered.append(f"{view.tags[member]}'s cloud did not answer ({error})")
                return []
            return [self._open(view, item, member, view.tags[member], seen) for item in page["messages"]]

        with ThreadPoolExecutor(READERS) as readers:
            lines = [line for found in readers.map(from_cloud_of, clouds) for line in found]
        self._remember(view, lines, seen)
        return sorted(lines, key=lambda line: line.order)

    def _still_here(self, view: GroupView, member: str) -> bool:
        """Whether a former member's account still exists (a current one's always does, or the group says so)."""
        if member in view.members:
            return True
        try:
            self._peer(view, member)
        except (PeerLeft, ApiError) as gone:  # PeerLeft: a connection of this person's who left
            if isinstance(gone, ApiError) and gone.status != 404:
                raise
            return False
        return True

    def _peer(self, view: GroupView, member: str) -> Peer:
        peer = self.chat.peer(view.tags[member])
        if peer.user_id != member:
            raise ChatError(f"{view.tags[member]} is now another user than the group's member")
        return peer

    def open_group_line(self, view: GroupView, item: JSONObject, sender: str, tag: str) -> Line:
        """One message of the group opened (and remembered as seen), or refused with the reason."""
        seen = self._seen(view.group_id)
        line = self._open(view, item, sender, tag, seen)
        self._remember(view, [line], seen)
        return line

    def _open(self, view: GroupView, item: JSONObject, sender: str, tag: str, seen: dict[str, int]) -> Line:
        sealed = item["message"].get("body", {}).get("sealed", {})
        epoch = sealed.get("epoch") if isinstance(sealed, dict) else None
        key = None if epoch is None else view.keys.get(epoch)
        if epoch is None or key is None:
            return refused_line(
                view.group_id, sender, tag, item, f"sealed under epoch {epoch}, whose key you were not given"
            )
        if sender not in view.members and sender in view.roster.departed:
            last = view.roster.departed[sender]
            if last is not None and item["sequence"] > last:
                return refused_line(
                    view.group_id, sender, tag, item, f"kept in {tag}'s cloud after they left the group"
                )
            if last is None and item["sequence"] > seen.get(sender, 0):
                return refused_line(
                    view.group_id,
                    sender,
                    tag,
                    item,
                    f"kept in {tag}'s cloud and not seen on this device before they left the group (their cloud "
                    "did not answer when they were removed)",
                )
        line = open_line(item, key, view.group_id, sender, tag, self.chat.identity_of(sender, tag))
        successor = next((started for started in view.epochs if started["epoch"] == epoch + 1), None)
        if line.refused is None and successor and _instant(line.sent_at) >= _instant(successor["startedAt"]):
            return refused_line(
                view.group_id,
                sender,
                tag,
                item,
                f"sealed under epoch {epoch} after the group moved to epoch {epoch + 1}",
            )
        return line

    # --- what this device has seen ------------------------------------------------------------------

    def _seen(self, group_id: str) -> dict[str, int]:
        """The last sequence of each member's this device opened in the group."""
        seen: dict[str, int] = (self.chat.account.profile.read(SEEN_DOCUMENT) or {}).get(group_id, {})
        return seen

    def _remember(self, view: GroupView, lines: Iterable[Line], seen: dict[str, int]) -> None:
        """Raise the marks of the members' messages opened here; never a former member's, whose mark is what this
        device had seen of theirs before it learned they left."""
        marks = dict(seen)
        for line in lines:
            if line.refused is None and line.sender_id != self.chat.me and line.sender_id in view.members:
                marks[line.sender_id] = max(marks.get(line.sender_id, 0), line.sequence)
        if marks != seen:
            profile = self.chat.account.profile
            profile.write(SEEN_DOCUMENT, (profile.read(SEEN_DOCUMENT) or {}) | {view.group_id: marks})
