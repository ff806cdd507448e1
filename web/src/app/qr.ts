/**
 * A QR code drawn as SVG from DOM calls (no markup from a string): for an authenticator app's setup URI and for the
 * safety code two people compare. The encoding is uqr's (a small QR encoder with no dependencies, pinned in
 * package.json); a QR code is only a picture of the same text the screen also shows.
 */

import { encode } from "uqr";

const SVG = "http://www.w3.org/2000/svg";
const QUIET_ZONE = 4; // modules of white around the code, as the standard asks for reliable scanning

/** `text` as a QR code (error correction level M), an `<svg role="img">` named `label`. */
export function qrCode(text: string, label: string): SVGSVGElement {
  const { data, size } = encode(text, { ecc: "M", border: 0 });
  const side = size + 2 * QUIET_ZONE;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${side} ${side}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("class", "qr");
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.dataset.modules = String(size);
  const paper = document.createElementNS(SVG, "rect");
  paper.setAttribute("width", String(side));
  paper.setAttribute("height", String(side));
  paper.setAttribute("fill", "#ffffff");
  const ink = document.createElementNS(SVG, "path");
  const moves: string[] = [];
  data.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) moves.push(`M${x + QUIET_ZONE} ${y + QUIET_ZONE}h1v1h-1z`);
    });
  });
  ink.setAttribute("d", moves.join(""));
  ink.setAttribute("fill", "#000000");
  svg.append(paper, ink);
  return svg;
}
