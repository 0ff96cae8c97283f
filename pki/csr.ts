/**
 * Checks a station's certificate signing request (SignCertificate, OCPP 1.6 Security Whitepaper ed. 3 §5.17
 * and use cases A02/A03) before the CA signs it: it must be one PEM PKCS #10 request whose signature verifies
 * (the station holds the private key), whose subject CN is exactly the charge point id (its certificate will
 * authenticate it as that id in security profile 3), whose O is the station's CpoName when one is configured,
 * and whose key is of an accepted type and size. Bad input is expected: the result is a union, never a throw.
 */
import { describeKey, keyProblem } from "./keys.ts";
import { x509 } from "./x509.ts";

export interface CsrExpectations {
  chargePointId: string;
  /** The station's CpoName configuration key; null or undefined: O is not checked. */
  cpoName?: string | null;
  minRsaBits: number;
}

export type CsrCheck =
  | { ok: true; request: x509.Pkcs10CertificateRequest; key: string }
  | { ok: false; reason: string };

/**
 * @example
 * ```ts ignore
 * const check = await checkCsr(pem, { chargePointId: "CP-1", cpoName: "Acme", minRsaBits: 2048 });
 * if (!check.ok) console.log(check.reason); // e.g. `CSR subject CN "CP-2" is not the charge point id "CP-1"`
 * ```
 */
export async function checkCsr(pem: string, expect: CsrExpectations): Promise<CsrCheck> {
  let request: x509.Pkcs10CertificateRequest;
  try {
    const blocks = x509.PemConverter.decodeWithHeaders(pem);
    if (blocks.length !== 1 || blocks[0]!.type !== "CERTIFICATE REQUEST") {
      return { ok: false, reason: "CSR must be exactly one PEM block of type CERTIFICATE REQUEST" };
    }
    request = new x509.Pkcs10CertificateRequest(blocks[0]!.rawData);
  } catch {
    return { ok: false, reason: "CSR is not a readable PEM certificate signing request" };
  }
  let verified = false;
  try {
    verified = await request.verify();
  } catch {
    verified = false;
  }
  if (!verified) return { ok: false, reason: "CSR signature does not verify" };
  const cn = request.subjectName.getField("CN");
  if (cn.length !== 1 || cn[0] !== expect.chargePointId) {
    const got = cn.length === 0 ? "none" : cn.map((v) => JSON.stringify(v)).join(", ");
    return {
      ok: false,
      reason: `CSR subject CN ${got} is not the charge point id "${expect.chargePointId}"`,
    };
  }
  if (expect.cpoName !== undefined && expect.cpoName !== null && expect.cpoName !== "") {
    const o = request.subjectName.getField("O");
    if (o.length !== 1 || o[0] !== expect.cpoName) {
      const got = o.length === 0 ? "none" : o.map((v) => JSON.stringify(v)).join(", ");
      return { ok: false, reason: `CSR subject O ${got} is not the station's CpoName "${expect.cpoName}"` };
    }
  }
  const algorithm = request.publicKey.algorithm as {
    name: string;
    namedCurve?: string;
    modulusLength?: number;
  };
  const problem = keyProblem(algorithm, expect.minRsaBits);
  if (problem !== null) return { ok: false, reason: problem };
  return { ok: true, request, key: describeKey(algorithm) };
}
