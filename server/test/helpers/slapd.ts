/**
 * A real OpenLDAP server for the tests: Debian's slapd started with its own slapd.conf in a temp dir
 * (mdb backend, memberof overlay), listening on loopback ldap:// and ldaps:// ports with a throwaway CA
 * and server certificate made by openssl, entries loaded with ldapadd. `stop()` ends it by its pid.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const SLAPD = process.env.SLAPD_PATH ?? '/usr/sbin/slapd';
export const slapdAvailable = () => fs.existsSync(SLAPD) && fs.existsSync('/usr/bin/ldapadd');

export interface Slapd {
  host: string;
  port: number;
  tlsPort: number;
  caFile: string;
  base: string;
  appDn: string;
  appPassword: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface DirectoryUser {
  uid: string;
  cn: string;
  mail?: string;
  password: string;
}

export async function startSlapd(users: DirectoryUser[], groups: Record<string, string[]> = {}): Promise<Slapd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-slapd-'));
  const base = 'dc=example,dc=org';
  const rootDn = `cn=admin,${base}`;
  const rootPw = 'root-secret';
  const appDn = `cn=reader,${base}`;
  const appPassword = 'reader-secret';

  // CA + server certificate for 127.0.0.1 (ldaps and StartTLS).
  const caKey = path.join(dir, 'ca.key');
  const caFile = path.join(dir, 'ca.pem');
  const key = path.join(dir, 'server.key');
  const csr = path.join(dir, 'server.csr');
  const cert = path.join(dir, 'server.pem');
  const ext = path.join(dir, 'ext.cnf');
  fs.writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', '/CN=owui test CA']);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1']);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);

  fs.mkdirSync(path.join(dir, 'db'));
  const conf = path.join(dir, 'slapd.conf');
  fs.writeFileSync(
    conf,
    `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
TLSCACertificateFile ${caFile}
TLSCertificateFile ${cert}
TLSCertificateKeyFile ${key}
database mdb
maxsize 10485760
suffix "${base}"
rootdn "${rootDn}"
rootpw ${rootPw}
directory ${dir}/db
overlay memberof
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
`,
  );

  const port = await freePort();
  const tlsPort = await freePort();
  const child: ChildProcess = spawn(SLAPD, ['-f', conf, '-h', `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${tlsPort}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = `ldap://127.0.0.1:${port}`;

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`slapd exited with ${child.exitCode}: ${err}`);
    const up = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error(`slapd did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  const ldif = [
    `dn: ${base}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example`,
    `dn: ${appDn}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: reader\nuserPassword: ${appPassword}`,
    `dn: ou=people,${base}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ou=groups,${base}\nobjectClass: organizationalUnit\nou: groups`,
    ...users.map(
      (u) =>
        `dn: uid=${u.uid},ou=people,${base}\nobjectClass: inetOrgPerson\nuid: ${u.uid}\ncn: ${u.cn}\nsn: ${u.cn.split(' ').pop()}\n${u.mail ? `mail: ${u.mail}\n` : ''}userPassword: ${u.password}`,
    ),
    ...Object.entries(groups).map(
      ([g, members]) => `dn: cn=${g},ou=groups,${base}\nobjectClass: groupOfNames\ncn: ${g}\n${members.map((m) => `member: uid=${m},ou=people,${base}`).join('\n')}`,
    ),
  ].join('\n\n');
  const ldifFile = path.join(dir, 'base.ldif');
  fs.writeFileSync(ldifFile, ldif + '\n');
  await run('ldapadd', ['-x', '-H', url, '-D', rootDn, '-w', rootPw, '-f', ldifFile]);

  return {
    host: '127.0.0.1',
    port,
    tlsPort,
    caFile,
    base,
    appDn,
    appPassword,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
