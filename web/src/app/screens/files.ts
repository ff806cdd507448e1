/**
 * Files: one's own (folders, albums, uploads dropped or chosen, each with a progress bar, versions, delete with a
 * confirmation, sharing with connections and revoking), what others share ("Shared with me"), and the audit log
 * with its verification result. Everything is sealed and opened in this tab (../files, ../sharing, ../audit).
 */

import { ChainError, DecryptionError, type JsonObject } from "../../crypto/index";
import * as audit from "../audit";
import { append, h, show } from "../dom";
import { FilesError, Library, type Collection, type CollectionKind, type StoredFile } from "../files";
import { object, text } from "../http";
import { t, type TextKey } from "../i18n";
import type { Session } from "../session";
import { Sharing, type ReceivedShare } from "../sharing";
import type { ShareKind } from "../shareKeys";
import { openedBlob } from "../transfer";
import { pinnedTag } from "../trust";
import { describe } from "./errors";

type View = "own" | "shared" | "audit";

const ACTIONS: Record<string, TextKey> = {
  upload: "audit.upload",
  download: "audit.download",
  share: "audit.share",
  revoke: "audit.revoke",
  view: "audit.view",
  delete: "audit.delete",
  create: "audit.create",
  add: "audit.add",
  remove: "audit.remove",
  "keep-keys": "audit.keepKeys",
};

const KIND_LABEL: Record<ShareKind, TextKey> = { file: "shared.file", folder: "shared.folder", album: "shared.album" };

function sizeText(bytes: number): string {
  if (bytes < 0) return t("files.sizeUnknown");
  if (bytes >= 1024 * 1024) return t("files.sizeMib", { mib: (bytes / 1024 / 1024).toFixed(1) });
  return t("files.size", { kib: Math.ceil(bytes / 1024) });
}

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "";
}

/** The name an older version is saved under, as `imegha files get --version` writes it: `scan (v2).pdf`. */
function versionName(name: string, version: number): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)} (v${String(version)})${name.slice(dot)}` : `${name} (v${String(version)})`;
}

/** Hand opened bytes to the browser's own saving, under the name they were listed with. */
function save(blob: Blob, name: string): void {
  const link = h("a", { href: URL.createObjectURL(blob), download: name });
  link.click();
  setTimeout(() => { URL.revokeObjectURL(link.href); }, 60_000);
}

/** Chromium's File System Access API, which TypeScript's DOM types leave out (other browsers do not offer it). */
type SaveHandle = FileSystemFileHandle & { remove?: () => Promise<void> };
interface SavePicker {
  showSaveFilePicker?: (options: { suggestedName: string }) => Promise<SaveHandle>;
}

/**
 * Save a download as `name`. Where the browser offers a save picker (Chromium's `showSaveFilePicker`), the person
 * picks where first (while the click still counts as theirs, which the picker requires) and the bytes go into that
 * file as they are fetched and opened, never the whole file in memory; cancelling the picker does nothing. If the
 * file does not open to its end, the writable is aborted (Chromium deletes the `.crswap` file it was writing into,
 * and the chosen file is never given those bytes) and the empty file the picker made is removed where the browser
 * allows. Elsewhere the opened file is held whole as a `Blob`, then handed to the browser's saving. Either way a
 * file that does not open is refused and nothing of it kept.
 */
async function saveDownload(name: string, type: string, opening: () => Promise<ReadableStream<Uint8Array>>): Promise<boolean> {
  const browser = window as unknown as SavePicker;
  try {
    if (browser.showSaveFilePicker === undefined) {
      save(await openedBlob(await opening(), type), name);
      return false;
    }
    let handle: SaveHandle;
    try {
      handle = await browser.showSaveFilePicker({ suggestedName: name });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") return false; // the person cancelled
      throw error;
    }
    const writable = await handle.createWritable();
    try {
      await (await opening()).pipeTo(writable); // a stream that errors aborts the writable, and rejects with its error
    } catch (error) {
      await writable.abort(error).catch(() => undefined); // already aborted if the stream failed; not if opening did
      await handle.remove?.().catch(() => undefined);
      throw error;
    }
    return true;
  } catch (error) {
    if (error instanceof DecryptionError) throw new FilesError(t("files.refused", { name, reason: error.message }));
    throw error;
  }
}

function button(label: string, onClick: () => void, properties: Record<string, string | boolean> = {}): HTMLButtonElement {
  const made = h("button", { type: "button", ...properties }, label);
  made.addEventListener("click", onClick);
  return made;
}

export async function filesScreen(pane: HTMLElement, session: Session, cloudUrl: string | null): Promise<void> {
  await new FilesScreen(pane, session, cloudUrl).start();
}

class FilesScreen {
  private readonly library: Library | null;
  private readonly sharing: Sharing;
  private readonly error = h("p", { class: "error", role: "alert" });
  private readonly status = h("p", { class: "status", role: "status" });
  private readonly view = h("div", { class: "files-view" });
  private readonly tabs = h("div", { class: "tabs", role: "group", "aria-label": t("files.views") });
  private readonly uploads = h("ul", { class: "uploads", "aria-label": t("files.uploads") });
  private queue: Promise<void> = Promise.resolve();
  private holder: Collection | null = null;
  private generation = 0;
  private panelGeneration = 0;

  constructor(
    private readonly pane: HTMLElement,
    private readonly session: Session,
    cloudUrl: string | null,
  ) {
    this.library = cloudUrl === null ? null : new Library(session, cloudUrl);
    this.sharing = new Sharing(session, this.library);
  }

  async start(): Promise<void> {
    show(this.pane, h("h2", { id: "files-heading" }, t("files.title")), this.tabs, this.status, this.error, this.view);
    this.pane.setAttribute("aria-labelledby", "files-heading");
    this.pane.removeAttribute("aria-label");
    if (this.library) {
      const givenUp = await this.library.giveUpAbandoned();
      if (givenUp > 0) this.say(t("files.abandoned", { n: givenUp }));
    }
    await this.open("own", null, true);
  }

  private open(view: View, holder: Collection | null = null, keepStatus = false): Promise<void> {
    this.error.textContent = "";
    if (!keepStatus) this.status.textContent = "";
    this.holder = holder;
    show(this.view, h("p", { class: "status" }, t("app.loading")));
    const tab = (which: View, label: string): HTMLElement =>
      button(label, () => { this.act(this.open(which)); }, { "aria-pressed": which === view ? "true" : "false", class: "tab" });
    show(
      this.tabs,
      tab("own", t("files.heading")),
      tab("shared", t("shared.heading")),
      this.library ? tab("audit", t("audit.heading")) : null,
    );
    if (view === "shared") return this.showShared();
    if (view === "audit") return this.showAudit();
    return this.showOwn();
  }

  private act(work: Promise<unknown>): void {
    this.error.textContent = "";
    work.catch((failure: unknown) => { this.error.textContent = describe(failure); });
  }

  /** A download, saved as `name`: to disk as it streams where the browser offers it (see saveDownload). */
  private download(name: string, type: string, opening: () => Promise<ReadableStream<Uint8Array>>): void {
    this.act(saveDownload(name, type, opening).then((toDisk) => { if (toDisk) this.say(t("files.savedToDisk", { name })); }));
  }

  private say(message: string): void {
    this.status.textContent = message;
  }

  // --- one's own files ------------------------------------------------------------------

  private async showOwn(): Promise<void> {
    const library = this.library;
    if (library === null) {
      show(this.view, h("h3", {}, t("files.heading")), h("p", { class: "hint" }, t("files.noCloud")));
      return;
    }
    const holder = this.holder;
    const rendering = this.rendering();
    const [stored, folders, albums] = await Promise.all([
      library.files(holder),
      holder === null ? library.collections("folder") : Promise.resolve([]),
      holder === null ? library.collections("album") : Promise.resolve([]),
    ]);
    if (!rendering.current()) return;
    const panel = h("section", { class: "panel", "aria-live": "polite" });
    const list = h("ul", { class: "files", "aria-label": t("files.list"), "data-testid": "files" });
    const shown = holder === null ? stored.filter((file) => file.folderId === null) : stored;
    if (shown.length === 0) append(list, h("li", { class: "hint" }, t("files.none")));
    for (const file of shown) append(list, this.fileItem(file, albums, panel));
    const heading = holder === null ? t("files.heading") : t(holder.kind === "folder" ? "files.inFolder" : "files.inAlbum", { name: holder.name });
    show(
      this.view,
      h("h3", { id: "own-heading" }, heading),
      holder === null ? null : button(t("files.back"), () => { this.act(this.open("own")); }),
      holder?.kind === "album" ? null : this.dropZone(),
      this.uploads,
      holder === null ? this.collectionsSection("folder", folders, panel) : null,
      holder === null ? this.collectionsSection("album", albums, panel) : null,
      h("h3", {}, t("files.listHeading")),
      list,
      panel,
    );
  }

  /** A render of the view that knows when a later one began (its result is then dropped, never shown twice). */
  private rendering(): { current: () => boolean } {
    const generation = ++this.generation;
    return { current: () => generation === this.generation };
  }

  /** The same for the panel under a list (share, versions, a confirmation, a shared folder's files). */
  private panelRendering(): { current: () => boolean } {
    const generation = ++this.panelGeneration;
    return { current: () => generation === this.panelGeneration };
  }

  private dropZone(): HTMLElement {
    const chooser = h("input", { id: "upload", type: "file", multiple: true });
    chooser.addEventListener("change", () => {
      this.uploadAll(Array.from(chooser.files ?? []));
      chooser.value = "";
    });
    const zone = h(
      "div",
      { class: "dropzone", "data-testid": "dropzone" },
      h("p", {}, t("files.drop")),
      h("div", { class: "field" }, h("label", { for: "upload" }, t("files.choose")), chooser),
    );
    zone.addEventListener("dragover", (event) => {
      event.preventDefault();
      zone.classList.add("over");
    });
    zone.addEventListener("dragleave", () => { zone.classList.remove("over"); });
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("over");
      this.uploadAll(Array.from(event.dataTransfer?.files ?? []));
    });
    return zone;
  }

  /** Each file its own progress bar; they go one after the other (each with four parts in flight). */
  private uploadAll(files: File[], replace: StoredFile | null = null): void {
    const library = this.library;
    if (library === null) return;
    const folder = this.holder?.kind === "folder" ? this.holder : null;
    for (const file of files) {
      const name = replace ? replace.name : file.name;
      const bar = h("progress", { max: "1", value: "0", "aria-label": t("files.progress", { name }) });
      const item = h("li", {}, h("span", { class: "name" }, name), bar);
      append(this.uploads, item);
      this.queue = this.queue.then(() =>
        library.upload(file, { folder, replace, progress: (sent, total) => { bar.value = sent / total; } }).then(
          (stored) => {
            append(item, h("span", { class: "done" }, replace ? t("files.newVersionDone", { version: stored.version }) : t("files.uploaded")));
            return this.refreshOwn();
          },
          (failure: unknown) => { append(item, h("span", { class: "error" }, describe(failure))); },
        ),
      );
    }
  }

  /** The own files view again, unless the person went elsewhere meanwhile. */
  private async refreshOwn(): Promise<void> {
    if (this.tabs.querySelector('[aria-pressed="true"]')?.textContent === t("files.heading")) await this.showOwn();
  }

  private collectionsSection(kind: CollectionKind, collections: Collection[], panel: HTMLElement): HTMLElement {
    const library = this.library;
    const plural = kind === "folder" ? t("folders.heading") : t("albums.heading");
    const items = collections.map((collection) =>
      h(
        "li",
        {},
        h("span", { class: "name" }, collection.name),
        button(t("files.openCollection", { name: collection.name }), () => { this.act(this.open("own", collection)); }),
        button(t("share.open", { name: collection.name }), () => { this.act(this.sharePanel(panel, collection, collection.name)); }),
        button(t("files.delete", { name: collection.name }), () => {
          this.confirmDelete(panel, t(kind === "folder" ? "delete.folder" : "delete.album", { name: collection.name }), collection.name, async () => {
            await library?.remove(collection);
          });
        }),
      ),
    );
    const id = `new-${kind}`;
    const form = h(
      "form",
      { class: "inline", novalidate: true },
      h("label", { for: id }, t(kind === "folder" ? "folders.new" : "albums.new")),
      h("input", { id, name: id, autocomplete: "off" }),
      h("button", { type: "submit" }, t(kind === "folder" ? "folders.create" : "albums.create")),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const input = form.elements.namedItem(id);
      const name = input instanceof HTMLInputElement ? input.value.trim() : "";
      if (name && library) this.act(library.create(kind, name).then(() => this.showOwn()));
    });
    return h(
      "section",
      { class: "collections", "aria-label": plural },
      h("h3", {}, plural),
      collections.length === 0 ? h("p", { class: "hint" }, t(kind === "folder" ? "folders.none" : "albums.none")) : h("ul", { class: "files" }, ...items),
      form,
    );
  }

  private fileItem(file: StoredFile, albums: Collection[], panel: HTMLElement): HTMLElement {
    const library = this.library;
    if (library === null) return h("li", {});
    const holder = this.holder;
    const item = h(
      "li",
      {},
      h("span", { class: "name" }, file.name),
      h("span", { class: "hint" }, sizeText(file.size)),
      h("span", { class: "hint" }, t("files.version", { version: file.version })),
    );
    if (file.problem !== null) {
      append(item, h("span", { class: "error" }, file.problem));
      return item;
    }
    const newVersion = h("input", { type: "file", hidden: true, "aria-label": t("files.newVersion", { name: file.name }) });
    newVersion.addEventListener("change", () => {
      this.uploadAll(Array.from(newVersion.files ?? []).slice(0, 1), file);
      newVersion.value = "";
    });
    append(
      item,
      button(t("files.download", { name: file.name }), () => { this.download(file.name, file.type, () => library.download(file)); }),
      button(t("versions.open", { name: file.name }), () => { this.act(this.versionsPanel(panel, file)); }),
      button(t("share.open", { name: file.name }), () => { this.act(this.sharePanel(panel, file, file.name)); }),
      button(t("files.newVersion", { name: file.name }), () => { newVersion.click(); }),
      newVersion,
    );
    if (holder?.kind === "album") {
      append(item, button(t("albums.remove", { name: file.name, album: holder.name }), () => { this.act(library.removeFromAlbum(holder, file).then(() => this.showOwn())); }));
    } else if (albums.length > 0) {
      const id = `album-for-${file.fileId}`;
      const select = h("select", { id }, ...albums.map((album) => h("option", { value: album.id }, album.name)));
      append(
        item,
        h("label", { for: id, class: "visually-hidden" }, t("albums.choose", { name: file.name })),
        select,
        button(t("albums.add", { name: file.name }), () => {
          const album = albums.find((candidate) => candidate.id === select.value);
          if (album) this.act(library.addToAlbum(album, file).then(() => { this.say(t("albums.added", { name: file.name, album: album.name })); }));
        }),
      );
    }
    append(
      item,
      button(t("files.delete", { name: file.name }), () => {
        this.confirmDelete(panel, t("delete.file", { name: file.name }), file.name, async () => {
          await library.delete(file);
        });
      }),
    );
    return item;
  }

  /** Deleting cannot be undone: said plainly, and done only on a second, explicit choice. */
  private confirmDelete(panel: HTMLElement, explanation: string, name: string, remove: () => Promise<void>): void {
    this.panelRendering();
    const heading = h("h3", { id: "panel-heading", tabindex: "-1" }, t("delete.heading", { name }));
    show(
      panel,
      heading,
      h("p", {}, explanation),
      button(t("delete.confirm", { name }), () => {
        this.act(
          remove().then(async () => {
            await this.showOwn();
            this.say(t("delete.done", { name }));
          }),
        );
      }, { class: "danger" }),
      button(t("delete.cancel"), () => { panel.replaceChildren(); }),
    );
    heading.focus();
  }

  private async versionsPanel(panel: HTMLElement, file: StoredFile): Promise<void> {
    const library = this.library;
    if (library === null) return;
    const rendering = this.panelRendering();
    const versions = await library.versions(file);
    if (!rendering.current()) return;
    const heading = h("h3", { id: "panel-heading", tabindex: "-1" }, t("versions.heading", { name: file.name }));
    show(
      panel,
      heading,
      h("p", { class: "hint" }, t("versions.explain")),
      h(
        "ul",
        { class: "files", "data-testid": "versions" },
        ...versions.map((version) =>
          h(
            "li",
            {},
            h("span", { class: "name" }, t("versions.item", { version: version.version, at: when(version.uploadedAt) })),
            version.kept
              ? button(t("versions.download", { version: version.version }), () => {
                  const name = version.version === file.version ? file.name : versionName(file.name, version.version);
                  this.download(name, file.type, () => library.downloadVersion(file, version.version));
                })
              : h("span", { class: "hint" }, t("versions.notKept")),
          ),
        ),
      ),
    );
    heading.focus();
  }

  private async sharePanel(panel: HTMLElement, target: StoredFile | Collection, name: string): Promise<void> {
    const library = this.library;
    if (library === null) return;
    const isFile = "fileId" in target;
    const kind = isFile ? "file" : target.kind;
    const targetId = isFile ? target.fileId : target.id;
    const rendering = this.panelRendering();
    const [shares, connections] = await Promise.all([this.sharing.shares({ kind, id: targetId }), this.sharing.connections()]);
    if (!rendering.current()) return;
    const sharedWith = new Set(shares.map((share) => share.recipientId));
    const others = connections.filter((connection) => !sharedWith.has(connection.peerId));
    const again = (): void => { this.act(this.sharePanel(panel, target, name)); };
    const items = shares.map((share) =>
      h(
        "li",
        {},
        h("span", { class: "name" }, t("share.with", { imtag: share.with, at: when(share.sharedAt) })),
        button(t("share.revoke", { imtag: share.with }), () => {
          this.act(this.sharing.revoke(share.shareId).then(() => { this.say(t("share.revoked", { imtag: share.with })); again(); }));
        }),
        isFile
          ? button(t("share.revokeRotate", { imtag: share.with }), () => {
              const bar = h("progress", { max: "1", value: "0", "aria-label": t("share.rotating", { name }) });
              append(panel, bar);
              this.act(
                this.sharing
                  .revoke(share.shareId)
                  .then(() => library.rotate(target, (sent, total) => { bar.value = sent / total; }))
                  .then(async (rotated) => {
                    await this.showOwn(); // before saying so: what the person does next acts on the view as it is now
                    this.say(t("share.rotated", { imtag: share.with, name, version: rotated.version }));
                  }),
              );
            })
          : null,
      ),
    );
    const form = h(
      "form",
      { class: "inline", novalidate: true },
      h("label", { for: "share-with" }, t("share.recipient")),
      h("select", { id: "share-with", name: "share-with" }, ...others.map((connection) => h("option", { value: connection.imtag }, connection.imtag))),
      h("button", { type: "submit", class: "primary" }, t("share.submit")),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const chosen = form.elements.namedItem("share-with");
      const imtag = chosen instanceof HTMLSelectElement ? chosen.value : "";
      if (imtag) {
        this.act(
          this.sharing.share(target, imtag).then((given) => {
            this.say(t("share.done", { name, imtag: given.with }));
            again();
          }),
        );
      }
    });
    const heading = h("h3", { id: "panel-heading", tabindex: "-1" }, t("share.heading", { name }));
    show(
      panel,
      heading,
      h("p", { class: "hint" }, t("share.explain")),
      h("h4", {}, t("share.sharedWith")),
      items.length === 0 ? h("p", { class: "hint" }, t("share.nobody")) : h("ul", { class: "files", "data-testid": "shares" }, ...items),
      others.length > 0 ? form : h("p", { class: "hint" }, t(connections.length === 0 ? "share.noConnections" : "share.everyone")),
    );
    heading.focus();
  }

  // --- shared with me -----------------------------------------------------------------------

  private async showShared(): Promise<void> {
    const rendering = this.rendering();
    const { shares, warnings } = await this.sharing.received();
    if (!rendering.current()) return;
    const panel = h("section", { class: "panel", "aria-live": "polite" });
    const list = h("ul", { class: "files", "aria-label": t("shared.heading"), "data-testid": "shared" });
    if (shares.length === 0) append(list, h("li", { class: "hint" }, t("shared.none")));
    for (const share of shares) {
      const opening =
        share.kind === "file" && share.file !== null
          ? this.receivedDownload(share, share.file)
          : button(t("shared.open", { name: share.name }), () => { this.act(this.sharedCollection(panel, share)); });
      append(list, h("li", {}, h("span", { class: "name" }, share.name), h("span", { class: "hint" }, t(KIND_LABEL[share.kind], { imtag: share.owner.imtag })), opening));
    }
    show(
      this.view,
      h("h3", {}, t("shared.heading")),
      warnings.length > 0 ? h("ul", { class: "warnings" }, ...warnings.map((warning) => h("li", { class: "error" }, t("shared.warning", { warning })))) : null,
      list,
      panel,
    );
  }

  private receivedDownload(share: ReceivedShare, file: StoredFile): HTMLElement {
    return button(t("files.download", { name: file.name }), () => {
      this.download(file.name, file.type, () => this.sharing.download(share, file));
    });
  }

  private async sharedCollection(panel: HTMLElement, share: ReceivedShare): Promise<void> {
    const rendering = this.panelRendering();
    const files = await this.sharing.filesIn(share);
    if (!rendering.current()) return;
    const heading = h("h3", { id: "panel-heading", tabindex: "-1" }, t("shared.from", { name: share.name, imtag: share.owner.imtag }));
    show(
      panel,
      heading,
      files.length === 0
        ? h("p", { class: "hint" }, t("shared.empty"))
        : h(
            "ul",
            { class: "files", "data-testid": "shared-files" },
            ...files.map((file) =>
              h(
                "li",
                {},
                h("span", { class: "name" }, file.name),
                h("span", { class: "hint" }, sizeText(file.size)),
                file.problem === null ? this.receivedDownload(share, file) : h("span", { class: "error" }, file.problem),
              ),
            ),
          ),
    );
    heading.focus();
  }

  // --- the audit log ------------------------------------------------------------------------

  private async showAudit(): Promise<void> {
    const library = this.library;
    if (library === null) return;
    const result = h("p", { class: "status", role: "status", "data-testid": "audit-result" }, t("audit.verifying"));
    show(this.view, h("h3", { id: "audit-heading" }, t("audit.heading")), result);
    const rendering = this.rendering();
    let entries: JsonObject[];
    try {
      const verification = await audit.verify(this.session, library);
      entries = verification.entries;
      result.className = "verified";
      result.textContent = verifiedText(verification);
    } catch (failure) {
      if (!(failure instanceof ChainError)) throw failure;
      result.className = "error";
      result.textContent = t("audit.broken", { reason: failure.message });
      entries = (await audit.read(library)).entries;
    }
    const [files, folders, albums] = await Promise.all([library.files(), library.collections("folder"), library.collections("album")]);
    const names = new Map([...files.map((file) => [file.fileId, file.name] as const), ...[...folders, ...albums].map((collection) => [collection.id, collection.name] as const)]);
    // A view or download by a recipient names the share only: what it shares, the log said when it was made.
    const shared = new Map<string, string>();
    for (const entry of entries) {
      const subject = object(entry, "subject");
      const target = subject ? object(subject, "target") : null;
      if (subject && target && typeof subject.shareId === "string" && typeof target.id === "string") shared.set(subject.shareId, target.id);
    }
    const who = (userId: string): string => (userId === this.session.userId ? t("audit.you") : (pinnedTag(this.session, userId) ?? userId));
    const rows = entries
      .slice()
      .reverse()
      .map((entry) => {
        const subject = object(entry, "subject") ?? {};
        const action = text(entry, "action");
        const fileId = typeof subject.fileId === "string" ? subject.fileId : null;
        const target = object(subject, "target");
        const shareId = typeof subject.shareId === "string" ? subject.shareId : null;
        const targetId = fileId ?? (target && typeof target.id === "string" ? target.id : null) ?? (shareId ? (shared.get(shareId) ?? null) : null);
        const about = targetId ?? [subject.folderId, subject.albumId, shareId].find((id) => typeof id === "string") ?? "";
        const what = [
          names.get(about) ?? about,
          typeof subject.version === "number" ? t("files.version", { version: subject.version }) : "",
          typeof subject.recipientId === "string" ? t("audit.withWhom", { imtag: who(subject.recipientId) }) : "",
        ]
          .filter(Boolean)
          .join(" ");
        const label = ACTIONS[action];
        return h(
          "tr",
          {},
          h("td", {}, typeof entry.seq === "number" ? String(entry.seq) : ""),
          h("td", {}, when(typeof entry.at === "string" ? entry.at : null)),
          h("td", {}, label ? t(label) : action),
          h("td", {}, who(text(entry, "actor"))),
          h("td", { class: "what" }, what),
        );
      });
    if (!rendering.current()) return;
    append(
      this.view,
      h(
        "div",
        { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "audit-heading" },
        h(
          "table",
          { class: "audit", "data-testid": "audit" },
          h("caption", {}, t("audit.caption")),
          h("thead", {}, h("tr", {}, ...(["audit.seq", "audit.at", "audit.action", "audit.actor", "audit.what"] as const).map((key) => h("th", { scope: "col" }, t(key))))),
          h("tbody", {}, ...rows),
        ),
      ),
    );
  }
}

function verifiedText(verification: audit.Verification): string {
  const { head, checkpoint, checkpoints, signed } = verification;
  const chained = head.seq > 0 ? t("audit.verified", { seq: head.seq, hash: head.hash.slice(0, 16) }) : t("audit.empty");
  const against = checkpoint
    ? t("audit.againstCheckpoint", { seq: checkpoint.head.seq, at: when(checkpoint.signedAt), count: checkpoints })
    : t("audit.noCheckpoint");
  return `${chained} ${against}${signed ? " " + t("audit.signed", { seq: head.seq }) : ""}`;
}
