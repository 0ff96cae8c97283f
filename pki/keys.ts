/**
 * The key algorithms the PKI signs with and accepts, described once: WebCrypto parameters for a key, and a
 * readable name (`EC P-256`, `RSA 2048`) for messages and records.
 */
import { x509 } from "./x509.ts";

/** The CA key we generate: ECDSA P-256 with SHA-256 (fast, small, accepted by every TLS stack). */
export const GENERATED_CA_KEY: EcKeyGenParams & { hash: string } = {
  name: "ECDSA",
  namedCurve: "P-256",
  hash: "SHA-256",
};

/** Curves a station key may use; WebCrypto cannot even read smaller ones. */
export const ACCEPTED_CURVES = ["P-256", "P-384", "P-521"] as const;

/** The smallest RSA key the Security Whitepaper allows for station certificates (its key size rules: 2048). */
export const DEFAULT_MIN_RSA_BITS = 2048;

interface DescribedKey {
  name: string;
  namedCurve?: string;
  modulusLength?: number;
}

/**
 * `EC P-256`, `RSA 2048`, or the algorithm name for anything else.
 *
 * @example
 * ```ts
 * describeKey({ name: "ECDSA", namedCurve: "P-256" }); // "EC P-256"
 * ```
 */
export function describeKey(algorithm: DescribedKey): string {
  if (algorithm.name === "ECDSA" || algorithm.name === "ECDH") return `EC ${algorithm.namedCurve ?? "?"}`;
  if (algorithm.name.startsWith("RSA")) return `RSA ${algorithm.modulusLength ?? "?"}`;
  return algorithm.name;
}

/** Why a station's public key is too weak or of a kind we do not sign, or null when it is fine. */
export function keyProblem(algorithm: DescribedKey, minRsaBits: number): string | null {
  if (algorithm.name === "ECDSA" || algorithm.name === "ECDH") {
    if ((ACCEPTED_CURVES as readonly string[]).includes(algorithm.namedCurve ?? "")) return null;
    return `Key type ${describeKey(algorithm)} is not accepted: use EC ${ACCEPTED_CURVES.join(", ")}`;
  }
  if (algorithm.name.startsWith("RSA")) {
    // An RSA-PSS key (its own OID) comes without a readable size: not "too small", a kind we cannot check.
    if (algorithm.modulusLength === undefined) {
      return `Key type ${algorithm.name} is not accepted: use EC ${ACCEPTED_CURVES.join(", ")} or RSA ` +
        "(rsaEncryption)";
    }
    if (algorithm.modulusLength >= minRsaBits) return null;
    return `Key ${describeKey(algorithm)} is too small: RSA keys need at least ${minRsaBits} bits`;
  }
  return `Key type ${algorithm.name} is not accepted: use EC ${ACCEPTED_CURVES.join(", ")} or RSA`;
}

/**
 * The WebCrypto algorithm a CA signs with, from its certificate's public key: ECDSA with the hash that
 * matches the curve, or RSASSA-PKCS1-v1_5 with SHA-256.
 */
export function signingAlgorithmOf(certificate: x509.X509Certificate): EcdsaParams | RsaHashedImportParams {
  const algorithm = certificate.publicKey.algorithm as DescribedKey;
  if (algorithm.name === "ECDSA") {
    const hash = algorithm.namedCurve === "P-384"
      ? "SHA-384"
      : algorithm.namedCurve === "P-521"
      ? "SHA-512"
      : "SHA-256";
    return { name: "ECDSA", hash };
  }
  if (algorithm.name.startsWith("RSA")) return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  throw new Error(`Cannot sign with a CA key of type ${algorithm.name}: use an EC or RSA key`);
}

/** The parameters to import the CA's PKCS #8 private key with, matching its certificate. */
export function importParamsOf(
  certificate: x509.X509Certificate,
): EcKeyImportParams | RsaHashedImportParams {
  const algorithm = certificate.publicKey.algorithm as DescribedKey;
  if (algorithm.name === "ECDSA") return { name: "ECDSA", namedCurve: algorithm.namedCurve ?? "P-256" };
  if (algorithm.name.startsWith("RSA")) return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  throw new Error(`Cannot use a CA key of type ${algorithm.name}: use an EC or RSA key`);
}
