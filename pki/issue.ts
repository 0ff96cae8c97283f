/**
 * Signs a checked CSR (see `csr.ts`) into a station certificate: the station's own subject and key, our CA as
 * issuer, a random serial, `validityDays` of validity (from a minute ago, for clock skew), and the extensions
 * a TLS client certificate for security profile 3 needs (OCPP 1.6 Security Whitepaper ed. 3, certificate
 * properties): not a CA, digitalSignature (+ keyEncipherment for RSA), clientAuth.
 */
import type { SignedCertificate } from "../model/certificates.ts";
import { type CertificateAuthority, randomSerial } from "./ca.ts";
import { signingAlgorithmOf } from "./keys.ts";
import { x509 } from "./x509.ts";

const DAY_MS = 24 * 3600_000;

export interface Issued {
  record: SignedCertificate;
  /** CertificateSigned.certificateChain: the leaf, then any intermediate CA certificates, PEM. */
  chain: string;
}

export async function issueCertificate(
  ca: CertificateAuthority,
  request: x509.Pkcs10CertificateRequest,
  options: { chargePointId: string; key: string; now: Date; validityDays: number },
): Promise<Issued> {
  const notBefore = new Date(options.now.getTime() - 60_000);
  const notAfter = new Date(options.now.getTime() + options.validityDays * DAY_MS);
  const isRsa = request.publicKey.algorithm.name.startsWith("RSA");
  const usages = x509.KeyUsageFlags.digitalSignature | (isRsa ? x509.KeyUsageFlags.keyEncipherment : 0);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: request.subjectName,
    issuer: ca.certificate.subjectName,
    notBefore,
    notAfter,
    signingAlgorithm: signingAlgorithmOf(ca.certificate),
    publicKey: request.publicKey,
    signingKey: ca.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usages, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      await x509.SubjectKeyIdentifierExtension.create(request.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
    ],
  });
  const fingerprint = new Uint8Array(await certificate.getThumbprint("SHA-256"));
  const record: SignedCertificate = {
    serialNumber: certificate.serialNumber.toLowerCase(),
    chargePointId: options.chargePointId,
    subject: certificate.subject,
    key: options.key,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    fingerprintSha256: [...fingerprint].map((b) => b.toString(16).padStart(2, "0")).join(""),
    certificatePem: certificate.toString("pem"),
    issuedAt: options.now.toISOString(),
    renewalRequestedAt: null,
  };
  const chain = [certificate, ...ca.chainAboveLeaf].map((c) => c.toString("pem")).join("\n") + "\n";
  return { record, chain };
}
