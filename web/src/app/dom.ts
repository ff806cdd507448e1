/**
 * Building the page: elements made with text nodes only (never HTML from a string), so nothing a peer or a server
 * sends can become markup or script.
 */

type Child = Node | string | null | undefined | false;
type Handler = (event: Event) => void;
type Property = string | boolean | Handler | undefined;

/** `<tag>` with attributes (`on…` are listeners; `true` an empty attribute, `false`/undefined none) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  properties: Record<string, Property> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else if (typeof value === "string") element.setAttribute(name, value);
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** Replace what `parent` shows with `children`. */
export function show(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A labelled input: the label names it for screen readers and is clicked to focus it. */
export function field(id: string, label: string, properties: Record<string, Property> = {}): HTMLElement {
  return h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, name: id, ...properties }));
}

export function valueOf(form: HTMLFormElement, name: string): string {
  const element = form.elements.namedItem(name);
  return element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement ? element.value : "";
}
