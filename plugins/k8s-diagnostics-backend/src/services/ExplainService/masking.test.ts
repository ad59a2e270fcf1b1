import { createPlaceholderMasker, createStreamingUnmasker } from './masking';

describe('createPlaceholderMasker', () => {
  const input = {
    names: ['payments', 'payments-7d9f8c-x2x9z', 'prod-eu'],
    namespaces: ['shop'],
    labels: ['team', 'team-core', 'app'],
  };

  it('replaces names, namespaces and labels by stable placeholders, longest first, whole words only', () => {
    const m = createPlaceholderMasker(input);
    const out = m.mask(
      'pod payments-7d9f8c-x2x9z of payments in shop (team=team-core); shopping is fine; image periscope/payments:1',
    );
    expect(out).toBe(
      'pod NAME_1 of NAME_2 in NAMESPACE_1 (LABEL_1=LABEL_2); shopping is fine; image periscope/NAME_2:1',
    );
    expect(m.mask('payments again')).toBe('NAME_2 again');
    expect(m.unmask('Restart NAME_1 in NAMESPACE_1 (NAME_9 unknown)')).toBe(
      'Restart payments-7d9f8c-x2x9z in shop (NAME_9 unknown)',
    );
  });

  it('gives the same placeholders for the same input (cacheable prompts)', () => {
    const text = 'payments in shop at 10.0.0.1';
    expect(createPlaceholderMasker(input).mask(text)).toBe(
      createPlaceholderMasker(input).mask(text),
    );
  });

  it('masks case-insensitively and keeps generic label keys', () => {
    const m = createPlaceholderMasker(input);
    expect(m.mask('Payments app down')).toBe('NAME_1 app down');
  });

  it.each([
    ['dial tcp 10.42.7.19:5432: refused', 'dial tcp IP_1:5432: refused'],
    ['cidr 192.168.0.0/16 blocked', 'cidr IP_1 blocked'],
    ['peer fd00:10:244::1f failed', 'peer IP_1 failed'],
    ['at 2001:db8:0:0:1:0:0:1 now', 'at IP_1 now'],
    [
      'version 1.2.3 is not an IP; 12:30:45 is a time',
      'version 1.2.3 is not an IP; 12:30:45 is a time',
    ],
  ])('masks IP addresses: %s', (text, expected) => {
    expect(
      createPlaceholderMasker({ names: [], namespaces: [], labels: [] }).mask(
        text,
      ),
    ).toBe(expected);
  });

  it.each([
    ['password=hunter2x now', 'password=SECRET_1 now'],
    ['DB_PASSWORD: "hunter2x"', 'DB_PASSWORD: "SECRET_1"'],
    [
      'Authorization: Bearer abcdefghijkl.mnop',
      'Authorization: Bearer SECRET_1',
    ],
    ['api_key=AKIA1234567890', 'api_key=SECRET_1'],
    [
      'postgres://app:pa55word@db:5432/x',
      'postgres://USER_1:SECRET_1@db:5432/x',
    ],
    [
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl done',
      'jwt SECRET_1 done',
    ],
  ])('masks secret values: %s', (text, expected) => {
    expect(
      createPlaceholderMasker({ names: [], namespaces: [], labels: [] }).mask(
        text,
      ),
    ).toBe(expected);
  });

  const bare = () =>
    createPlaceholderMasker({ names: [], namespaces: [], labels: [] });
  const GH = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

  // Each pattern: a text that must be masked, and a look-alike that must stay as it is.
  it.each([
    [
      'e-mail',
      'notify alice.smith+ops@acme-corp.com failed',
      'notify EMAIL_1 failed',
    ],
    [
      'e-mail (negative: image digest)',
      'pull nginx@sha256:0123abcd ok',
      'pull nginx@sha256:0123abcd ok',
    ],
    [
      'e-mail (negative: no domain)',
      'user@localhost and @mention',
      'user@localhost and @mention',
    ],
    [
      'FQDN with a public TLD',
      'dial tcp api.payments.acme.com:443: timeout',
      'dial tcp HOST_1:443: timeout',
    ],
    [
      'internal suffix .internal',
      'GET https://vault.prod.internal/v1/kv failed',
      'GET https://HOST_1/v1/kv failed',
    ],
    [
      'internal suffix .cluster.local',
      'lookup db.shop.svc.cluster.local: no such host',
      'lookup HOST_1: no such host',
    ],
    [
      'internal suffix .svc',
      'connect redis.cache.svc:6379 refused',
      'connect HOST_1:6379 refused',
    ],
    [
      'internal suffixes .corp .lan .local',
      'ldap.acme.corp, nas.lan and printer.local',
      'HOST_1, HOST_2 and HOST_3',
    ],
    [
      'node names',
      'node ip-10-0-1-23.eu-west-1.compute.internal is NotReady',
      'node HOST_1 is NotReady',
    ],
    [
      'host (negative: public Kubernetes names)',
      'see kubernetes.io/docs and registry.k8s.io, cluster.x-k8s.io, app.kubernetes.io/name',
      'see kubernetes.io/docs and registry.k8s.io, cluster.x-k8s.io, app.kubernetes.io/name',
    ],
    [
      'host (negative: public registries)',
      'docker.io, ghcr.io, quay.io and gcr.io are up',
      'docker.io, ghcr.io, quay.io and gcr.io are up',
    ],
    [
      'host (negative: API groups and CSI drivers)',
      'certificates.cert-manager.io, driver ebs.csi.aws.com, servicemonitors.monitoring.coreos.com',
      'certificates.cert-manager.io, driver ebs.csi.aws.com, servicemonitors.monitoring.coreos.com',
    ],
    [
      'host (positive: a customer host on a cloud domain)',
      'bucket payments-logs.s3.amazonaws.com denied',
      'bucket HOST_1 denied',
    ],
    [
      'host (negative: resource names, files, versions)',
      'deployments.apps, ingresses.networking.k8s.io, config.yaml, entrypoint.sh, requirements.in, v1.2.3, 1.25.4',
      'deployments.apps, ingresses.networking.k8s.io, config.yaml, entrypoint.sh, requirements.in, v1.2.3, 1.25.4',
    ],
    [
      'host (negative: in-cluster API server)',
      'https://kubernetes.default.svc:443 refused',
      'https://kubernetes.default.svc:443 refused',
    ],
    [
      'private image: tag kept',
      'Failed to pull image "registry.shop.internal/shop/cart:9.9.9": not found',
      'Failed to pull image "IMAGE_1:9.9.9": not found',
    ],
    [
      'private image: port and digest kept',
      `image harbor.acme.com:5000/team/api@sha256:${'a'.repeat(64)} missing`,
      `image IMAGE_1@sha256:${'a'.repeat(64)} missing`,
    ],
    [
      'private image by IP and localhost',
      'pull 10.1.2.3:5000/app:1 and localhost:5000/dev/app:latest',
      'pull IMAGE_1:1 and IMAGE_2:latest',
    ],
    [
      'private image: ECR',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:1.4.0 not found',
      'IMAGE_1:1.4.0 not found',
    ],
    [
      'image (negative: public registries and Docker Hub)',
      'pull registry.k8s.io/pause:3.9, ghcr.io/fluxcd/flux:v2 and nginx:1.25',
      'pull registry.k8s.io/pause:3.9, ghcr.io/fluxcd/flux:v2 and nginx:1.25',
    ],
    ['image (negative: CIDR)', 'allow 192.168.0.0/16', 'allow IP_1'],
    ['GitHub token', `clone with ${GH} failed`, 'clone with SECRET_1 failed'],
    [
      'GitHub token (negative: too short)',
      'branch ghp_fix failed',
      'branch ghp_fix failed',
    ],
    [
      'GitHub fine-grained token',
      'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz used',
      'SECRET_1 used',
    ],
    [
      'GitHub token kinds',
      `${GH.replace('ghp_', 'gho_')} ${GH.replace('ghp_', 'ghs_')} ${GH.replace(
        'ghp_',
        'ghu_',
      )} ${GH.replace('ghp_', 'ghr_')}`,
      'SECRET_1 SECRET_2 SECRET_3 SECRET_4',
    ],
    [
      'AWS access key ids',
      'keys AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A',
      'keys SECRET_1 and SECRET_2',
    ],
    ['AWS (negative: too short)', 'AKIAEXAMPLE is fine', 'AKIAEXAMPLE is fine'],
    [
      'Slack token',
      'post xoxb-1234567890-0987654321-AbCdEfGh failed',
      'post SECRET_1 failed',
    ],
    [
      'Slack (negative)',
      'xoxo-hugs and xoxb-short',
      'xoxo-hugs and xoxb-short',
    ],
    [
      'GitLab token',
      'glpat-Ab3dEf6hIj9kLm2nOp5q rejected',
      'SECRET_1 rejected',
    ],
    ['GitLab (negative)', 'glpat-short', 'glpat-short'],
    [
      'OpenAI key',
      'sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34 invalid',
      'SECRET_1 invalid',
    ],
    [
      'OpenAI (negative: lower-case Kubernetes name)',
      'pod sk-payments-worker-5d8f7c9b6-abcde',
      'pod sk-payments-worker-5d8f7c9b6-abcde',
    ],
    [
      'Google API key',
      'key AIzaSyA1234567890abcdefghijklmnopqrstuv ok',
      'key SECRET_1 ok',
    ],
    ['Google (negative)', 'AIzaShort', 'AIzaShort'],
    [
      '--password with a space',
      'run app --password hunter2 --verbose',
      'run app --password SECRET_1 --verbose',
    ],
    ['--token=', 'cli --token=abc123 --x', 'cli --token=SECRET_1 --x'],
    [
      '--secret, --api-key, --client-secret',
      '--secret s1x --api-key "k-2y" --client-secret=c3z',
      '--secret SECRET_2 --api-key "SECRET_3" --client-secret=SECRET_1',
    ],
    [
      'CLI (negative: flags without a value, file flags)',
      '--password-file /etc/pw --token-ttl 5m --secret --verbose',
      '--password-file /etc/pw --token-ttl 5m --secret --verbose',
    ],
    [
      'URL user',
      'clone https://alice@git.acme.com/repo.git',
      'clone https://USER_1@HOST_1/repo.git',
    ],
    [
      'URL user and password',
      'redis://admin:s3cr3t@10.0.0.9:6379',
      'redis://USER_1:SECRET_1@IP_1:6379',
    ],
    [
      'URL (negative: no user)',
      'https://kubernetes.io/docs@v1',
      'https://kubernetes.io/docs@v1',
    ],
  ])('masks %s', (_what, text, expected) => {
    expect(bare().mask(text)).toBe(expected);
  });

  it('restores hosts, e-mails, users and images, never tokens or passwords', () => {
    const m = bare();
    const text = `${GH} alice@acme.com https://bob:pw@git.acme.corp/x registry.acme.internal/app:1 --token t0ken1`;
    const masked = m.mask(text);
    expect(masked).toBe(
      'SECRET_2 EMAIL_1 https://USER_1:SECRET_1@HOST_1/x IMAGE_1:1 --token SECRET_3',
    );
    expect(m.unmask(masked)).toBe(
      '[redacted] alice@acme.com https://bob:[redacted]@git.acme.corp/x registry.acme.internal/app:1 --token [redacted]',
    );
  });

  it('masks a PEM key cut before its END line', () => {
    expect(bare().mask('key: -----BEGIN RSA PRIVATE KEY-----\nMIIEow')).toBe(
      'key: SECRET_1',
    );
  });

  it('masks the host of a known name as a host, not as a name', () => {
    const m = createPlaceholderMasker({
      names: ['payments'],
      namespaces: ['shop'],
      labels: [],
    });
    expect(m.mask('payments.shop.svc.cluster.local refused payments')).toBe(
      'HOST_1 refused NAME_1',
    );
  });

  it('masks literal secret values anywhere and never unmasks them', () => {
    const m = createPlaceholderMasker({
      names: [],
      namespaces: [],
      labels: [],
      secrets: ['s3cr3tvalue'],
    });
    const masked = m.mask('x-s3cr3tvalue-y');
    expect(masked).toBe('x-SECRET_1-y');
    expect(m.unmask(masked)).toBe('x-[redacted]-y');
  });

  it('masks a known name with generated suffixes as one name', () => {
    const m = createPlaceholderMasker({
      names: ['cart'],
      namespaces: [],
      labels: [],
    });
    expect(
      m.mask(
        'Scaled up replica set cart-76678bbb87 of cart; pod cart-76678bbb87-2lh6b',
      ),
    ).toBe('Scaled up replica set NAME_1 of NAME_2; pod NAME_3');
    expect(m.unmask('NAME_3')).toBe('cart-76678bbb87-2lh6b');
  });

  it('does not mask strings shorter than 3 characters', () => {
    expect(
      createPlaceholderMasker({
        names: ['db'],
        namespaces: [],
        labels: ['v1'],
      }).mask('db v1'),
    ).toBe('db v1');
  });
});

describe('createStreamingUnmasker', () => {
  it('holds back a placeholder split across chunks', () => {
    const m = createPlaceholderMasker({
      names: ['payments'],
      namespaces: ['shop'],
      labels: [],
    });
    m.mask('payments shop');
    const u = createStreamingUnmasker(m.unmask);
    const out =
      ['Pod NA', 'ME_', '1 in NAMESP', 'ACE_1', ' crashed']
        .map(c => u.push(c))
        .join('') + u.flush();
    expect(out).toBe('Pod payments in shop crashed');
  });
});
