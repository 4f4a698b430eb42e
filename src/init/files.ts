// The text of every file `redoubt init` writes: config, ACL file and the
// deployment files (Docker, Compose, Kubernetes, systemd). Pure functions of
// the plan, so tests can check them without writing anything.

import { stringify } from 'yaml';
import type { TlsFiles } from './certificates.js';

export interface InitUser {
  name: string;
  rules: string;
  password: string;
  hash: string;
}

export interface Plan {
  bind: string[];
  port: number;
  tls: TlsFiles | null;
  persistent: boolean;
  maxmemory: string;
  /** Where the folder lives when deployed (the config names files under it). */
  prefix: string;
  dataDir: string;
  users: InitUser[];
  /** CONFIG's secret new name: CONFIG stays usable by whoever holds the credentials file. */
  configName: string;
}

const q = (s: string) => (/^[A-Za-z0-9_./:-]+$/.test(s) ? s : `"${s.replace(/(["\\])/g, '\\$1')}"`);

export function redoubtConf(p: Plan): string {
  const l: string[] = ['# Written by `redoubt init`: a hardened Redoubt (also valid for redis-server 7).', '# Audit it with: redoubt audit --config redoubt.conf', ''];
  l.push('# network: chosen interfaces only', `bind ${p.bind.join(' ')}`, 'protected-mode yes');
  if (p.tls) {
    l.push(
      'port 0', `tls-port ${p.port}`, `tls-cert-file ${q(p.tls.cert)}`, `tls-key-file ${q(p.tls.key)}`, `tls-ca-cert-file ${q(p.tls.ca)}`,
      'tls-auth-clients yes', 'tls-protocols "TLSv1.2 TLSv1.3"',
      'tls-ciphers "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"',
      'tls-ciphersuites "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"',
      'tls-prefer-server-ciphers yes', 'tls-replication yes',
    );
  } else {
    l.push('# TLS is off: run `redoubt init --tls-dir DIR` with ca.crt, server.crt and server.key', `port ${p.port}`);
  }
  l.push('', '# authentication and authorization: users live in the aclfile (default user off)', `aclfile ${q(p.prefix + '/users.acl')}`, 'acllog-max-len 128');
  l.push('enable-protected-configs no', 'enable-debug-command no', 'enable-module-command no');
  l.push('rename-command FLUSHALL ""', 'rename-command FLUSHDB ""', 'rename-command DEBUG ""', 'rename-command SHUTDOWN ""', `rename-command CONFIG ${p.configName}`);
  l.push('', '# resources', `maxmemory ${p.maxmemory}`, `maxmemory-policy ${p.persistent ? 'noeviction' : 'allkeys-lru'}`, 'client-output-buffer-limit normal 256mb 64mb 60', 'timeout 300', 'tcp-keepalive 60', 'maxclients 1000');
  l.push('slowlog-log-slower-than 10000', 'slowlog-max-len 128');
  l.push('', '# persistence', `dir ${q(p.dataDir)}`, 'dbfilename dump.rdb');
  if (p.persistent) l.push('save 3600 1 300 100 60 10000', 'appendonly yes', 'appendfsync everysec');
  else l.push('save ""', 'appendonly no');
  return l.join('\n') + '\n';
}

export function usersAcl(p: Plan): string {
  // hashes, never plaintext: the passwords are only in the credentials file
  const l = ['user default off'];
  for (const u of p.users) l.push(`user ${u.name} on #${u.hash} resetchannels ${u.rules}`);
  return l.join('\n') + '\n';
}

export function credentials(p: Plan): string {
  const l = ['# redoubt init credentials: keep secret (mode 0600). One "user password" pair per line.'];
  for (const u of p.users) l.push(`${u.name} ${u.password}`);
  l.push(`# CONFIG is renamed to: ${p.configName}`);
  return l.join('\n') + '\n';
}

const NODE_IMAGE = 'node:20-bookworm-slim';

export function dockerfile(p: Plan): string {
  return `# Build from the Redoubt source tree (npm run build first), with this folder as ./deploy:
#   docker build -f deploy/Dockerfile -t redoubt:local .
FROM ${NODE_IMAGE}
RUN groupadd --system --gid 10001 redoubt \\
 && useradd --system --uid 10001 --gid redoubt --no-create-home --shell /usr/sbin/nologin redoubt \\
 && mkdir -p ${p.dataDir} && chown redoubt:redoubt ${p.dataDir} && chmod 700 ${p.dataDir}
WORKDIR /opt/redoubt
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY dist ./dist
# the root filesystem can be read-only: the server writes only to the data volume
VOLUME ["${p.dataDir}"]
USER 10001:10001
EXPOSE ${p.port}
ENTRYPOINT ["node", "/opt/redoubt/dist/src/cli/redoubt-server.js"]
CMD ["${p.prefix}/redoubt.conf"]
`;
}

export function compose(p: Plan): string {
  const doc = {
    services: {
      redoubt: {
        image: 'redoubt:local',
        build: { context: '..', dockerfile: 'deploy/Dockerfile' },
        command: [`${p.prefix}/redoubt.conf`],
        user: '10001:10001',
        read_only: true,
        cap_drop: ['ALL'],
        security_opt: ['no-new-privileges:true'],
        volumes: [`./:${p.prefix}:ro`, `redoubt-data:${p.dataDir}`],
        networks: ['redoubt-internal'],
        restart: 'unless-stopped',
      },
    },
    // internal: no route out, and no `ports:` above: nothing is published on the host
    networks: { 'redoubt-internal': { driver: 'bridge', internal: true } },
    volumes: { 'redoubt-data': {} },
  };
  return '# Redoubt on an internal network with no published port; attach client services to redoubt-internal.\n' + stringify(doc);
}

export function kubernetes(p: Plan, files: { conf: string; acl: string }): string {
  const labels = { 'app.kubernetes.io/name': 'redoubt' };
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'redoubt-config', labels }, type: 'Opaque', stringData: { 'redoubt.conf': files.conf, 'users.acl': files.acl } };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'redoubt', labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'redoubt',
              image: 'redoubt:local',
              args: [`${p.prefix}/redoubt.conf`],
              ports: [{ name: 'redis', containerPort: p.port, protocol: 'TCP' }],
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ['ALL'] } },
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: memLimit(p.maxmemory) } },
              volumeMounts: [
                { name: 'config', mountPath: p.prefix, readOnly: true },
                { name: 'data', mountPath: p.dataDir },
              ],
            },
          ],
          volumes: [
            { name: 'config', secret: { secretName: 'redoubt-config', defaultMode: 0o400 } },
            { name: 'data', emptyDir: {} },
          ],
        },
      },
    },
  };
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'redoubt', labels }, spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'redis', port: p.port, targetPort: p.port, protocol: 'TCP' }] } };
  const policy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'redoubt-clients-only', labels },
    spec: {
      podSelector: { matchLabels: labels },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { 'redoubt-client': 'true' } } }], ports: [{ protocol: 'TCP', port: p.port }] }],
    },
  };
  return [secret, deployment, service, policy].map((d) => stringify(d)).join('---\n');
}

/** The container's memory limit: maxmemory plus headroom for buffers and the runtime. */
function memLimit(maxmemory: string): string {
  const m = /^(\d+)(kb|mb|gb)?$/i.exec(maxmemory);
  if (!m) return '1Gi';
  const mult = { kb: 1 / 1024, mb: 1, gb: 1024 }[(m[2] ?? 'mb').toLowerCase() as 'kb' | 'mb' | 'gb'] ?? 1;
  return `${Math.ceil(Number(m[1]) * mult * 1.5 + 128)}Mi`;
}

export function systemdUnit(p: Plan): string {
  return `[Unit]
Description=Redoubt, a secure-by-default Redis-compatible server
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=redoubt
Group=redoubt
ExecStart=/usr/bin/node /opt/redoubt/dist/src/cli/redoubt-server.js ${p.prefix}/redoubt.conf
Restart=on-failure
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
CapabilityBoundingSet=
AmbientCapabilities=
SystemCallArchitectures=native
ReadWritePaths=${p.dataDir}
ReadOnlyPaths=${p.prefix}
LimitNOFILE=10032

[Install]
WantedBy=multi-user.target
`;
}
