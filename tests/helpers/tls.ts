/**
 * Throwaway certificates made with Debian's `openssl`: a test CA, a server certificate for 127.0.0.1 and
 * localhost, and client certificates with a chosen CN, all signed by the CA.
 */
import { openssl } from "./openssl.ts";

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** PEM texts, for clients. */
  caPem: string;
  client(cn: string): Promise<{ cert: string; key: string; certPath: string; keyPath: string }>;
  remove(): Promise<void>;
}

export async function hasCommand(name: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

export async function makePki(): Promise<TestPki> {
  const dir = await Deno.makeTempDir({ prefix: "csms_pki_" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=CSMS Test CA",
  ], dir);
  const sign = async (name: string, subject: string, ext: string) => {
    await openssl(["req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject], dir);
    await Deno.writeTextFile(`${dir}/${name}.ext`, ext);
    await openssl([
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    ], dir);
  };
  await sign(
    "server",
    "/CN=localhost",
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  let n = 0;
  return {
    dir,
    caCert: `${dir}/ca.pem`,
    serverCert: `${dir}/server.pem`,
    serverKey: `${dir}/server.key`,
    caPem: await Deno.readTextFile(`${dir}/ca.pem`),
    async client(cn: string) {
      const name = `client${n++}`;
      await sign(name, `/O=Acme/CN=${cn}`, "extendedKeyUsage=clientAuth\n");
      return {
        cert: await Deno.readTextFile(`${dir}/${name}.pem`),
        key: await Deno.readTextFile(`${dir}/${name}.key`),
        certPath: `${dir}/${name}.pem`,
        keyPath: `${dir}/${name}.key`,
      };
    },
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}
