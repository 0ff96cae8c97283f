/**
 * What each folder may import and use, checked on the parsed source (Deno's own parser, so comments, strings
 * and regular expressions never look like imports). It is a `deno lint` plugin, so an editor or `deno lint`
 * shows a crossing where it is written, and `boundaries_test.ts` runs it over every file, so the test suite
 * refuses one. To guard another folder, add a rule to `RULES`.
 */

/** One folder's boundary. */
export interface BoundaryRule {
  /**
   * The files it covers: a path prefix from the repository root (`protocol/`). Test and benchmark files
   * (`_test.ts`, `_bench.ts`) are exempt: they drive the code with Deno's test runner and helpers.
   */
  files: string;
  /** Why the boundary exists; every report quotes it. */
  why: string;
  /** When set, the only imports allowed: package names (`zod`) and folder prefixes (`protocol/`). */
  onlyImports?: readonly string[];
  /** Imports refused: package names (`hono`, `postgres`, `node:`) and folder prefixes (`store/`). */
  forbidImports?: readonly string[];
  /**
   * Globals refused (`Deno`, `console`, `fetch`, ...), plus two names for calls: `clock` (`Date.now()`,
   * `new Date()` without arguments, `performance.now()`) and `random` (`Math.random()`).
   */
  forbidGlobals?: readonly string[];
}

/** No I/O, no clock, no randomness, no logging: what pure code must not touch. */
const IMPURE = [
  "Deno",
  "console",
  "fetch",
  "WebSocket",
  "crypto",
  "performance",
  "setTimeout",
  "setInterval",
  "queueMicrotask",
  "clock",
  "random",
] as const;

/** What the domain may know of the store: its interfaces, never how they are kept. */
const STORE_INTERFACES = [
  "store/mod.ts",
  "store/auth.ts",
  "store/station_security.ts",
  "store/security_events.ts",
];

/** The Security extension's store interfaces (PKI, file records, blobs). */
const SECURITY_EXTENSION_STORE_INTERFACES = [
  "store/pki_store.ts",
  "store/file_store.ts",
  "store/blob_store.ts",
  "store/security_extension.ts",
];

/** The concrete stores and what builds them. */
const STORE_IMPLEMENTATIONS = ["store/kv/", "store/postgres/", "store/open.ts", "postgres"];

export const RULES: readonly BoundaryRule[] = [
  {
    files: "protocol/",
    why: "protocol/ is pure: it imports only zod and itself, and touches no Deno API, clock or console",
    onlyImports: ["zod", "protocol/"],
    forbidGlobals: IMPURE,
  },
  {
    files: "fleet/",
    why:
      "fleet/ is a domain: it uses the Store interfaces and the registry, never HTTP, a database driver, a " +
      "store implementation or the dashboard",
    forbidImports: [
      "hono",
      "postgres",
      "preact",
      "routes/",
      "components/",
      "islands/",
      "store/kv/",
      "store/postgres/",
      "store/kv.ts",
      "store/postgres.ts",
    ],
  },
  {
    files: "metrics/",
    why: "metrics/ counts what it is told: no framework, database, route, store or actor",
    forbidImports: ["hono", "postgres", "routes/", "store/", "actors/"],
  },
  {
    files: "overview/",
    why: "overview/ reads the stores through their interfaces: no framework, database driver, route or actor",
    forbidImports: ["hono", "postgres", "routes/", "actors/", "islands/", "components/"],
  },
  {
    files: "protocol/ocppj/",
    why: "protocol/ocppj/ is version-neutral: no dialect's code may leak into it",
    forbidImports: ["protocol/ocpp16/", "protocol/ocpp201/"],
  },
  {
    files: "protocol/ocpp201/",
    why: "protocol/ocpp201/ is a dialect of its own: it builds on protocol/ocppj/, never on OCPP 1.6",
    forbidImports: ["protocol/ocpp16/"],
  },
  {
    files: "protocol/ocpp16/",
    why: "protocol/ocpp16/ is a dialect of its own: it builds on protocol/ocppj/, never on OCPP 2.0.1",
    forbidImports: ["protocol/ocpp201/"],
  },
  {
    files: "model/",
    why:
      "model/ is the pure domain: it imports only protocol/ and zod, and touches no Deno API, clock or I/O",
    onlyImports: ["zod", "protocol/", "model/"],
    forbidGlobals: IMPURE,
  },
  {
    files: "actors/",
    why: "the domain depends on store interfaces, never on a database or a web framework: actors/ imports " +
      "protocol/, model/, the store interfaces, the logger and the metrics interface, and no Deno API",
    onlyImports: [
      "zod",
      "protocol/",
      "model/",
      "actors/",
      "logger.ts",
      "metrics/metrics.ts",
      ...STORE_INTERFACES,
    ],
    forbidGlobals: ["Deno"],
  },
  ...["actors/handlers/", "actors/commands/"].map((files): BoundaryRule => ({
    files,
    why: `${files} decides, the actor shell does the I/O: no Deno API, clock, randomness, timer or console`,
    forbidGlobals: IMPURE,
  })),
  ...["security/", "auth/"].map((files): BoundaryRule => ({
    files,
    why: `${files} is a domain: it imports protocol/, model/, security/, auth/, the store interfaces, the ` +
      "logger and the config type, never a web framework, a database or a Deno API",
    onlyImports: [
      "zod",
      "protocol/",
      "model/",
      "security/",
      "auth/",
      "logger.ts",
      "config.ts",
      ...STORE_INTERFACES,
    ],
    forbidGlobals: ["Deno"],
  })),
  ...["pki/", "files/"].map((files): BoundaryRule => ({
    files,
    why: `${files} is a domain (the Security extension): it imports protocol/, model/, pki/, files/, the ` +
      "store interfaces, the config type and its X.509 library, never a web framework, a database, an actor " +
      "or a Deno API",
    onlyImports: [
      "zod",
      "protocol/",
      "model/",
      "pki/",
      "files/",
      "config.ts",
      "@peculiar/x509",
      "reflect-metadata",
      "node:crypto",
      ...STORE_INTERFACES,
      ...SECURITY_EXTENSION_STORE_INTERFACES,
    ],
    forbidGlobals: ["Deno"],
  })),
  {
    files: "store/",
    why: "store/ keeps what the domain decides: it imports model/ and protocol/, never actors/, routes/, " +
      "security/, auth/ or a web framework",
    forbidImports: ["actors/", "routes/", "security/", "auth/", "hono"],
  },
  {
    files: "energy/",
    why: "energy/ is a domain: pure rules, and I/O only through the interfaces it is handed (no HTTP, no " +
      "database, no store implementation, no clock or timer of its own)",
    forbidImports: [
      "hono",
      "postgres",
      "node:",
      "routes/",
      "components/",
      "islands/",
      "store/kv/",
      "store/postgres/",
      "store/open.ts",
    ],
    forbidGlobals: IMPURE,
  },
  {
    files: "cluster/",
    why: "cluster/ joins processes into one Central System: it uses the registry and the events (actors/), " +
      "security/ interfaces and its own PostgreSQL tables, never HTTP, the dashboard, a domain's workers or a " +
      "store implementation",
    forbidImports: [
      "hono",
      "preact",
      "routes/",
      "components/",
      "islands/",
      "fleet/",
      "energy/",
      "store/kv/",
      "store/postgres/",
      "store/open.ts",
    ],
  },
  ...["routes/", "components/", "islands/"].map((files): BoundaryRule => ({
    files,
    why: "concrete stores are built only in main.ts (server.ts for its throwaway defaults) and tests: " +
      `${files} sees the store interfaces`,
    forbidImports: STORE_IMPLEMENTATIONS,
  })),
];

const ROOT = new URL("../", import.meta.url);

/** `file:///repo/protocol/x.ts` or `/repo/protocol/x.ts` -> `protocol/x.ts`; null outside the repository. */
export function repoPath(filename: string): string | null {
  const url = filename.startsWith("file:") ? filename : new URL(`file://${filename}`).href;
  return url.startsWith(ROOT.href) ? decodeURIComponent(url.slice(ROOT.href.length)) : null;
}

/** The rules that cover a file (a path from the repository root). */
export function rulesFor(path: string, rules: readonly BoundaryRule[] = RULES): BoundaryRule[] {
  if (/_(test|bench)\.tsx?$/.test(path)) return [];
  return rules.filter((rule) => path.startsWith(rule.files));
}

/**
 * What an import specifier names, for matching against a rule: a repository path for a relative specifier
 * (`protocol/ocppj/frames.ts`), else the package (`hono` for `hono/http-exception`, `zod` for
 * `npm:zod@^4`, `node:fs`).
 */
export function importTarget(specifier: string, fromPath: string): string {
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    return new URL(specifier, new URL(fromPath, "file:///")).pathname.slice(1);
  }
  const bare = specifier.replace(/^npm:\/?/, "");
  if (bare.startsWith("node:")) return bare.split("/")[0] ?? bare;
  const parts = bare.split("/");
  const name = bare.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0] ?? bare;
  return name.replace(/(.)@.*$/, "$1");
}

function matches(target: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => p.endsWith("/") || p.endsWith(":") ? target.startsWith(p) : target === p);
}

/** Why importing `specifier` from `path` breaks a rule, or null. */
export function importProblem(
  specifier: string,
  path: string,
  rules: readonly BoundaryRule[] = RULES,
): string | null {
  const target = importTarget(specifier, path);
  for (const rule of rulesFor(path, rules)) {
    const refused = (rule.onlyImports !== undefined && !matches(target, rule.onlyImports)) ||
      (rule.forbidImports !== undefined && matches(target, rule.forbidImports));
    if (refused) return `Cannot import "${specifier}" here: ${rule.why}`;
  }
  return null;
}

/** Why using the global (or pseudo-global `clock`/`random`) `name` in `path` breaks a rule, or null. */
export function globalProblem(
  name: string,
  path: string,
  rules: readonly BoundaryRule[] = RULES,
): string | null {
  for (const rule of rulesFor(path, rules)) {
    if (rule.forbidGlobals?.includes(name)) return `Cannot use ${describeGlobal(name)} here: ${rule.why}`;
  }
  return null;
}

function describeGlobal(name: string): string {
  if (name === "clock") return "the clock";
  if (name === "random") return "Math.random()";
  return `"${name}"`;
}

/** True when an identifier node reads a variable (not `x.name`, `{ name: 1 }` or a type's member). */
function isReference(node: Deno.lint.Identifier): boolean {
  const parent = node.parent;
  if (parent.type === "MemberExpression") return parent.object === node || parent.computed;
  if (parent.type === "Property") return parent.value === node || parent.computed;
  if (parent.type === "TSQualifiedName") return parent.left === node;
  if (parent.type === "MethodDefinition" || parent.type === "PropertyDefinition") return parent.computed;
  if (parent.type === "TSPropertySignature") return parent.computed;
  return true;
}

function isCall(node: Deno.lint.MemberExpression, object: string, property: string): boolean {
  return node.object.type === "Identifier" && node.object.name === object &&
    node.property.type === "Identifier" && node.property.name === property && !node.computed;
}

const plugin: Deno.lint.Plugin = {
  name: "csms",
  rules: {
    boundaries: {
      create(context) {
        const path = repoPath(context.filename);
        if (path === null || rulesFor(path).length === 0) return {};
        const checkSource = (node: Deno.lint.Node, source: Deno.lint.Node | null | undefined) => {
          if (source?.type !== "Literal" || typeof source.value !== "string") return;
          const problem = importProblem(source.value, path);
          if (problem) context.report({ node, message: problem });
        };
        const checkGlobal = (node: Deno.lint.Node, name: string) => {
          const problem = globalProblem(name, path);
          if (problem) context.report({ node, message: problem });
        };
        return {
          ImportDeclaration: (node) => checkSource(node, node.source),
          ExportNamedDeclaration: (node) => checkSource(node, node.source),
          ExportAllDeclaration: (node) => checkSource(node, node.source),
          ImportExpression: (node) => checkSource(node, node.source),
          Identifier(node) {
            if (isReference(node)) checkGlobal(node, node.name);
          },
          MemberExpression(node) {
            if (isCall(node, "Date", "now") || isCall(node, "performance", "now")) checkGlobal(node, "clock");
            if (isCall(node, "Math", "random")) checkGlobal(node, "random");
          },
          NewExpression(node) {
            const callee = node.callee;
            if (callee.type === "Identifier" && callee.name === "Date" && node.arguments.length === 0) {
              checkGlobal(node, "clock");
            }
          },
        };
      },
    },
  },
};

export default plugin;
