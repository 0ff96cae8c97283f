/**
 * The certificate authority that signs station certificates: a certificate, its private key, and the
 * certificates above it when it is an intermediate (sent along in CertificateSigned, served as the CA file).
 * Either generated at first start (a self-signed EC P-256 root) or the operator's own, read from PEM.
 *
 * @example
 * ```ts ignore
 * const ca = await CertificateAuthority.generate({ now: new Date(), subject: "CN=CSMS Station CA" });
 * const again = await CertificateAuthority.fromPem(ca.material().certificatePem, ca.material().privateKeyPem);
 * ```
 */
import { GENERATED_CA_KEY, importParamsOf, signingAlgorithmOf } from "./keys.ts";
import { x509 } from "./x509.ts";

/** The CA as text, for the store or files: PEM certificate (then its issuers) and PKCS #8 PEM key. */
export interface CaMaterial {
  certificatePem: string;
  privateKeyPem: string;
}

/** How long a generated CA is valid. */
export const GENERATED_CA_VALIDITY_DAYS = 20 * 365;

const DAY_MS = 24 * 3600_000;

export class CertificateAuthority {
  private constructor(
    /** The CA certificate that signs. */
    readonly certificate: x509.X509Certificate,
    readonly privateKey: CryptoKey,
    /** The CA's issuers up to the root, when it is an intermediate; empty for a root. */
    readonly issuers: readonly x509.X509Certificate[],
  ) {}

  /** A new self-signed root CA with an EC P-256 key. */
  static async generate(options: { now: Date; subject: string; validityDays?: number }) {
    const keys = await crypto.subtle.generateKey(GENERATED_CA_KEY, true, ["sign", "verify"]);
    const notBefore = new Date(options.now.getTime() - 60_000);
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: options.subject,
      notBefore,
      notAfter: new Date(notBefore.getTime() + (options.validityDays ?? GENERATED_CA_VALIDITY_DAYS) * DAY_MS),
      signingAlgorithm: GENERATED_CA_KEY,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new CertificateAuthority(certificate, keys.privateKey, []);
  }

  /**
   * The CA from PEM: the certificate first, optionally followed by its issuers, and its PKCS #8 private key
   * (`-----BEGIN PRIVATE KEY-----`; `openssl pkcs8 -topk8 -nocrypt` converts other forms). Refuses a
   * certificate that is not a CA or a key that does not belong to it.
   */
  static async fromPem(certificatePem: string, privateKeyPem: string): Promise<CertificateAuthority> {
    let certificates: x509.X509Certificate[];
    try {
      certificates = x509.PemConverter.decodeWithHeaders(certificatePem)
        .filter((block) => block.type === "CERTIFICATE")
        .map((block) => new x509.X509Certificate(block.rawData));
    } catch (error) {
      throw new Error(`Cannot read the CA certificate: ${(error as Error).message}`);
    }
    const [certificate, ...issuers] = certificates;
    if (certificate === undefined) {
      throw new Error("Cannot read the CA certificate: no PEM certificate found");
    }
    const constraints = certificate.getExtension(x509.BasicConstraintsExtension);
    if (!constraints?.ca) {
      throw new Error(`Cannot use "${certificate.subject}" as the CA: it is not a CA certificate`);
    }
    const der = pemBody(privateKeyPem, "PRIVATE KEY");
    if (der === null) {
      throw new Error(
        "Cannot read the CA key: expected a PKCS #8 PEM key (-----BEGIN PRIVATE KEY-----); " +
          "convert it with `openssl pkcs8 -topk8 -nocrypt`",
      );
    }
    let privateKey: CryptoKey;
    try {
      privateKey = await crypto.subtle.importKey("pkcs8", der, importParamsOf(certificate), true, ["sign"]);
    } catch (error) {
      throw new Error(`Cannot read the CA key: ${(error as Error).message}`);
    }
    const ca = new CertificateAuthority(certificate, privateKey, issuers);
    await ca.#checkKeyMatches();
    return ca;
  }

  /** Signs a probe with the key and verifies it with the certificate: a mismatched pair fails here. */
  async #checkKeyMatches(): Promise<void> {
    const algorithm = signingAlgorithmOf(this.certificate);
    const probe = new TextEncoder().encode("csms ca key check");
    const signature = await crypto.subtle.sign(algorithm, this.privateKey, probe);
    const publicKey = await this.certificate.publicKey.export(
      { ...importParamsOf(this.certificate) },
      ["verify"],
    );
    if (!(await crypto.subtle.verify(algorithm, publicKey, signature, probe))) {
      throw new Error(`Cannot use the CA key: it does not belong to "${this.certificate.subject}"`);
    }
  }

  /** The CA certificate and its issuers, PEM, for nginx's `ssl_client_certificate` and `openssl verify`. */
  get pem(): string {
    return [this.certificate, ...this.issuers].map((c) => c.toString("pem")).join("\n") + "\n";
  }

  /** The CA certificates a station needs with its own (CertificateSigned): an intermediate and its issuers. */
  get chainAboveLeaf(): x509.X509Certificate[] {
    return isSelfSigned(this.certificate)
      ? []
      : [this.certificate, ...this.issuers.filter((c) => !isSelfSigned(c))];
  }

  /** For the store. */
  async material(): Promise<CaMaterial> {
    const pkcs8 = await crypto.subtle.exportKey("pkcs8", this.privateKey);
    return { certificatePem: this.pem, privateKeyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY") };
  }
}

/** A positive random 128-bit serial number, hex (RFC 5280 §4.1.2.2: at most 20 octets, positive). */
export function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive, and never a leading zero octet
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function isSelfSigned(certificate: x509.X509Certificate): boolean {
  return certificate.subject === certificate.issuer;
}

/** The DER bytes of the first PEM block of type `type` (`PRIVATE KEY`), or null. */
export function pemBody(pem: string, type: string): ArrayBuffer | null {
  try {
    return x509.PemConverter.decodeWithHeaders(pem).find((block) => block.type === type)?.rawData ?? null;
  } catch {
    return null;
  }
}
