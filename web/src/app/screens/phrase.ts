/** Which words of the recovery phrase to ask back: distinct positions, drawn with the browser's CSPRNG. */

export function getRandomWords(count: number, asked: number): number[] {
  const chosen = new Set<number>();
  const random = new Uint32Array(1);
  while (chosen.size < Math.min(asked, count)) {
    crypto.getRandomValues(random);
    chosen.add((random[0] ?? 0) % count);
  }
  return [...chosen].sort((one, other) => one - other);
}
