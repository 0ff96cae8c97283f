/**
 * Debian's `openssl` for PKI tests: certificate signing requests made the way a station's firmware would make
 * them (`openssl req`), CA certificates an operator would bring, and `openssl verify`.
 */

import { runWithInput } from "./process.ts";

export type KeySpec =
  | "rsa:2048"
  | "rsa:1024"
  | "rsa:3072"
  | "rsa-pss:2048"
  | "ec:P-256"
  | "ec:P-384"
  | "ed25519";

/** Runs openssl in `cwd`; throws with its stderr when it fails. Returns stdout. */
export async function openssl(args: string[], cwd: string, stdin?: string): Promise<string> {
  const out = await runWithInput("openssl", args, cwd, stdin);
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr).slice(0, 500)} ${text}`,
    );
  }
  return text;
}

function keyArgs(key: KeySpec): string[] {
  if (key.startsWith("rsa:")) return ["-newkey", key];
  if (key === "ed25519") return ["-newkey", "ed25519"];
  if (key === "rsa-pss:2048") return ["-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:2048"];
  return ["-newkey", "ec", "-pkeyopt", `ec_paramgen_curve:${key.slice(3)}`];
}

/** A fresh key and a PEM CSR for `subject` (`/CN=CP-1/O=Acme`), like a station makes for SignCertificate. */
export async function makeCsr(
  dir: string,
  subject: string,
  key: KeySpec = "ec:P-256",
): Promise<{ csr: string; keyPath: string }> {
  const name = `csr-${crypto.randomUUID()}`;
  await openssl([
    "req",
    "-new",
    ...keyArgs(key),
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    subject,
  ], dir);
  return { csr: await Deno.readTextFile(`${dir}/${name}.csr`), keyPath: `${dir}/${name}.key` };
}

/** A self-signed CA certificate and its PKCS #8 key, as an operator would bring them. */
export async function makeCa(
  dir: string,
  subject: string,
  key: KeySpec = "ec:P-256",
): Promise<{ certPath: string; keyPath: string; certPem: string; keyPem: string }> {
  const name = `ca-${crypto.randomUUID()}`;
  await openssl([
    "req",
    "-x509",
    ...keyArgs(key),
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    "30",
    "-subj",
    subject,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
  return {
    certPath: `${dir}/${name}.pem`,
    keyPath: `${dir}/${name}.key`,
    certPem: await Deno.readTextFile(`${dir}/${name}.pem`),
    keyPem: await Deno.readTextFile(`${dir}/${name}.key`),
  };
}

/** An intermediate CA (EC P-256) signed by `parent` (a `makeCa` result), with its PKCS #8 key. */
export async function makeIntermediateCa(
  dir: string,
  parent: { certPath: string; keyPath: string },
  subject: string,
): Promise<{ certPath: string; keyPath: string; certPem: string; keyPem: string }> {
  const name = `sub-${crypto.randomUUID()}`;
  const { csr, keyPath } = await makeCsr(dir, subject);
  await Deno.writeTextFile(`${dir}/${name}.csr`, csr);
  await Deno.writeTextFile(
    `${dir}/${name}.ext`,
    "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    parent.certPath,
    "-CAkey",
    parent.keyPath,
    "-CAcreateserial",
    "-days",
    "30",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`,
  ], dir);
  return {
    certPath: `${dir}/${name}.pem`,
    keyPath,
    certPem: await Deno.readTextFile(`${dir}/${name}.pem`),
    keyPem: await Deno.readTextFile(keyPath),
  };
}

/** `openssl verify`: true when `certPem` chains to `caFile` (intermediates in `untrusted`). */
export async function opensslVerify(
  dir: string,
  caFile: string,
  certPem: string,
  untrusted?: string,
): Promise<{ ok: boolean; output: string }> {
  const certPath = `${dir}/verify-${crypto.randomUUID()}.pem`;
  await Deno.writeTextFile(certPath, certPem);
  const args = ["verify", "-CAfile", caFile, ...(untrusted ? ["-untrusted", untrusted] : []), certPath];
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "piped", stderr: "piped" })
    .output();
  const output = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { ok: out.success && output.includes(": OK"), output };
}
