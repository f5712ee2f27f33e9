import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface SelfSignedCert {
  readonly key: string
  readonly cert: string
}

/** Path of the openssl binary, or undefined (Node cannot make X.509 certificates by itself). */
export function findOpenssl(): string | undefined {
  for (const p of ['/usr/bin/openssl', '/usr/local/bin/openssl', '/bin/openssl']) {
    try {
      execFileSync(p, ['version'], { stdio: 'ignore' })
      return p
    } catch {
      // try the next
    }
  }
  return undefined
}

/** A throwaway self-signed certificate for localhost and 127.0.0.1 (EC P-256, one day). */
export function makeSelfSignedCert(openssl: string): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), 'rtmp-kit-tls-'))
  try {
    const key = join(dir, 'key.pem')
    const cert = join(dir, 'cert.pem')
    execFileSync(
      openssl,
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      { stdio: 'ignore' },
    )
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
