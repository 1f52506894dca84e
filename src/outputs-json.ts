// `outputs --json`: the stack's outputs as plain values for scripts. A dot in a key nests
// (`url.dev` → `{ "url": { "dev": … } }`), so per-environment values read as one object.
import type { Output, OutputJson } from './step';

/** The outputs document: top-level keys, one level of nesting for per-environment values. */
export type OutputsDocument = Record<string, OutputJson | Record<string, OutputJson>>;

export function outputsJson(outputs: readonly Output[]): OutputsDocument {
  const doc: OutputsDocument = {};
  for (const output of outputs) {
    const value = output.json ?? output.value;
    const dot = output.key.indexOf('.');
    if (dot < 0) {
      doc[output.key] = value;
      continue;
    }
    const [outer, inner] = [output.key.slice(0, dot), output.key.slice(dot + 1)];
    const group = doc[outer];
    // A key used both plain and nested is a step's mistake, not the user's.
    if (group !== undefined && (typeof group === 'string' || Array.isArray(group))) throw new Error(`output ${output.key}: ${outer} is already a value`);
    doc[outer] = { ...(group as Record<string, OutputJson> | undefined), [inner]: value };
  }
  return doc;
}
