/**
 * Every line a command prints is exactly one line of plain text, whatever the input held: reasons can
 * quote text from a bundle, and a terminal must not be steered by control or bidirectional-override
 * characters hidden in it.
 */

// C0 and C1 controls (newline and escape among them), DEL, the Unicode line and paragraph separators,
// and the bidirectional embedding, override and isolate characters.
const unsafePattern = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every unsafe character written as a `\uXXXX` escape. Requires nothing. */
export function oneLine(text: string): string {
  return text.replace(unsafePattern, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
