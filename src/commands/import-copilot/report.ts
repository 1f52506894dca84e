// What an import carried into the shipline config, and what it could not, each naming where in the
// Copilot workspace it came from. Nothing a manifest holds is left out of one list or the other.

/** A Copilot field shipline cannot express (yet), with why. */
export interface NotCarried {
  /** The manifest, relative to the workspace: `copilot/frontend/manifest.yml`. */
  file: string;
  /** The field in it, dotted: `environments.prod.count.range`, `sidecars.nginx`. */
  field: string;
  reason: string;
}

/** A shipline setting the import wrote, and the Copilot field it came from. */
export interface Carried {
  /** The config field: `environments[1].desiredCount`. */
  setting: string;
  value: unknown;
  /** `copilot/frontend/manifest.yml › count.range`. */
  from: string;
}

/** The reasons that recur. */
export const REASON = {
  unknown: 'import-copilot does not know this field; carry it by hand if shipline has an equivalent',
} as const;

/** One refusal, for the functions that map a field. */
export const refuse = (file: string, field: string, reason: string): NotCarried => ({ file, field, reason });

export const notCarriedLine = (n: NotCarried): string => `${n.file} › ${n.field}: ${n.reason}`;

export const carriedLine = (c: Carried): string => `${c.setting} = ${JSON.stringify(c.value)}  ← ${c.from}`;
