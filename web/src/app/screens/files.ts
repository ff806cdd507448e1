/** Files: upload (sealed here, a progress bar each), the list with names opened here, download opened here. */

import { append, h, show } from "../dom";
import { Files } from "../files";
import { t } from "../i18n";
import { describe } from "./errors";

export async function filesScreen(pane: HTMLElement, files: Files): Promise<void> {
  const error = h("p", { class: "error", role: "alert" });
  const uploads = h("ul", { class: "uploads", "aria-label": t("files.uploads") });
  const list = h("ul", { class: "files", "aria-label": t("files.heading"), "data-testid": "files" });
  const chooser = h("input", { id: "upload", type: "file", multiple: true });
  const refresh = async (): Promise<void> => {
    const stored = await files.list();
    show(list, ...(stored.length === 0 ? [h("li", { class: "hint" }, t("files.none"))] : []));
    for (const file of stored) {
      const download = h("button", { type: "button" }, t("files.download", { name: file.name }));
      download.addEventListener("click", () => {
        files.download(file.fileId).then(
          (blob) => {
            const link = h("a", { href: URL.createObjectURL(blob), download: file.name });
            link.click();
            setTimeout(() => { URL.revokeObjectURL(link.href); }, 60_000);
          },
          (failure: unknown) => { error.textContent = describe(failure); },
        );
      });
      append(list, h("li", {}, h("span", { class: "name" }, file.name), h("span", { class: "hint" }, t("files.size", { kib: Math.ceil(file.size / 1024) })), download));
    }
  };
  chooser.addEventListener("change", () => {
    for (const file of Array.from(chooser.files ?? [])) {
      const bar = h("progress", { max: "1", value: "0", "aria-label": t("files.progress", { name: file.name }) });
      const item = h("li", {}, h("span", { class: "name" }, file.name), bar);
      append(uploads, item);
      files
        .upload(file, (sent, total) => { bar.value = sent / total; })
        .then(
          async () => {
            append(item, h("span", { class: "done" }, t("files.uploaded")));
            await refresh();
          },
          (failure: unknown) => { error.textContent = describe(failure); },
        );
    }
    chooser.value = "";
  });
  show(
    pane,
    h("h2", { id: "files-heading" }, t("files.heading")),
    h("div", { class: "field" }, h("label", { for: "upload" }, t("files.choose")), chooser),
    uploads,
    list,
    error,
  );
  await refresh();
}
