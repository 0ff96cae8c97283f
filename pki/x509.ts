/**
 * npm `@peculiar/x509` (X.509 certificates and PKCS #10 requests on WebCrypto), set up once: its dependency
 * injection needs the `reflect-metadata` polyfill loaded before it, and it must use the runtime's WebCrypto.
 * Every PKI file imports the library from here, never directly, so the order cannot go wrong.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(crypto);

export { x509 };
