/**
 * A real (self-signed, P-256, valid until 2126) X.509 certificate in PEM, for command samples: the API checks
 * that certificates it sends to stations are certificates.
 */
export const SAMPLE_CERTIFICATE = "-----BEGIN CERTIFICATE-----\n" +
  "MIIBpzCCAU2gAwIBAgIUC9ZhmfEZiQnCZ7vrBTA6g3VYJKQwCgYIKoZIzj0EAwIw\n" +
  "KDEUMBIGA1UEAwwLU2FtcGxlIFJvb3QxEDAOBgNVBAoMB0V4YW1wbGUwIBcNMjYx\n" +
  "MjA1MTk0ODI2WhgPMjEyNjExMTExOTQ4MjZaMCgxFDASBgNVBAMMC1NhbXBsZSBS\n" +
  "b290MRAwDgYDVQQKDAdFeGFtcGxlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n" +
  "MysildLeQuG9k3zCP+wJ8VgV+sQ7XUt5CUdNx2IE62Tw1D3zLjQzNIsQYaVVvmTQ\n" +
  "NtzGFb0CdpBH6sV1LywCDaNTMFEwHQYDVR0OBBYEFGTtGLlY9aG8RT23gzmCzEva\n" +
  "wC4oMB8GA1UdIwQYMBaAFGTtGLlY9aG8RT23gzmCzEvawC4oMA8GA1UdEwEB/wQF\n" +
  "MAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgVycmSdfVyNBKG2bPVWV/UXJMAmCBXea4\n" +
  "O2qwITPZH8ECIQC2Q0cW3LVZcZ1geDgZ0TfhOhCFKqGc6z0qeEohxkaO9Q==\n" +
  "-----END CERTIFICATE-----\n";
