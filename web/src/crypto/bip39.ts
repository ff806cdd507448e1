/**
 * BIP39 mnemonics with the English word list (bip39-english.txt, the reference list, SHA-256 2f5eed53…dbda): entropy
 * of 16 to 32 bytes in steps of 4, a checksum of its SHA-256, 11 bits per word.
 */

import { RecoveryPhraseError } from "./errors";
import { sha256 } from "./hashing";
import wordList from "./bip39-english.txt";

const WORDS = wordList.trim().split("\n");
const INDEX = new Map(WORDS.map((word, index) => [word, index]));

function bitsOf(data: Uint8Array): number[] {
  return [...data].flatMap((byte) => Array.from({ length: 8 }, (_, bit) => (byte >> (7 - bit)) & 1));
}

export async function mnemonicFromEntropy(entropy: Uint8Array): Promise<string> {
  if (![16, 20, 24, 28, 32].includes(entropy.length)) {
    throw new RecoveryPhraseError(`entropy must be 16, 20, 24, 28 or 32 bytes, not ${entropy.length}`);
  }
  const bits = [...bitsOf(entropy), ...bitsOf(await sha256(entropy)).slice(0, entropy.length / 4)];
  const words: string[] = [];
  for (let start = 0; start < bits.length; start += 11) {
    words.push(WORDS[bits.slice(start, start + 11).reduce((value, bit) => 2 * value + bit, 0)] ?? "");
  }
  return words.join(" ");
}

export async function entropyFromMnemonic(phrase: string): Promise<Uint8Array> {
  const words = phrase.split(/\s+/u).filter(Boolean);
  if (![12, 15, 18, 21, 24].includes(words.length)) {
    throw new RecoveryPhraseError(`a recovery phrase has 12 to 24 words in steps of 3; this one has ${words.length}`);
  }
  const indexes = words.map((word, position) => {
    const index = INDEX.get(word);
    if (index === undefined) {
      throw new RecoveryPhraseError(`word ${position + 1} ('${word}') is not in the BIP39 English word list`);
    }
    return index;
  });
  const bits = indexes.flatMap((index) => Array.from({ length: 11 }, (_, bit) => (index >> (10 - bit)) & 1));
  const checksumBits = words.length / 3;
  const entropy = new Uint8Array((bits.length - checksumBits) / 8);
  entropy.forEach((_, byte) => {
    entropy[byte] = bits.slice(8 * byte, 8 * byte + 8).reduce((value, bit) => 2 * value + bit, 0);
  });
  const expected = bitsOf(await sha256(entropy)).slice(0, checksumBits);
  if (expected.some((bit, position) => bit !== bits[8 * entropy.length + position])) {
    throw new RecoveryPhraseError("the recovery phrase's checksum does not match: a word is wrong or out of place");
  }
  return entropy;
}
