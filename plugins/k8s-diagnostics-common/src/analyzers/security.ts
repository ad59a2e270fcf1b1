import { Pod, Role, RoleBinding } from '../kinds';
import { Failure } from '../model';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  RawResult,
  collect,
  goList,
  nameOf,
  nsOf,
} from './types';

function serviceAccountResults(ctx: AnalyzerContext): RawResult[] {
  return collect(
    ctx.select('ServiceAccount').filter(sa => nameOf(sa) === 'default'),
    'Security/ServiceAccount',
    sa => {
      const pods = ctx.index
        .inNamespace<Pod>('Pod', nsOf(sa))
        .filter(p => p.spec?.serviceAccountName === 'default')
        .map(nameOf);
      if (pods.length === 0) return [];
      return [
        ctx.failure(
          `Default service account is being used by pods: ${goList(pods)}`,
          'medium',
          pods,
        ),
      ];
    },
  );
}

function roleBindingResults(ctx: AnalyzerContext): RawResult[] {
  return collect(
    ctx.select<RoleBinding>('RoleBinding'),
    'Security/RoleBinding',
    rb => {
      if (rb.roleRef?.kind !== 'Role') return [];
      const roleName = rb.roleRef.name ?? '';
      const role = ctx.index.get<Role>('Role', nsOf(rb), roleName);
      if (!role) return [];
      return (role.rules ?? [])
        .filter(
          r =>
            (r.verbs ?? []).includes('*') || (r.resources ?? []).includes('*'),
        )
        .map(() =>
          ctx.failure(
            `RoleBinding ${nameOf(
              rb,
            )} references Role ${roleName} which contains wildcard permissions - this is not recommended for security best practices`,
            'high',
            [nameOf(rb), roleName],
          ),
        );
    },
  );
}

function podSecurityFailures(ctx: AnalyzerContext, pod: Pod): Failure[] {
  const failures: Failure[] = [];
  const name = nameOf(pod);
  const privileged = (pod.spec?.containers ?? []).find(
    c => c.securityContext?.privileged === true,
  );
  if (privileged) {
    failures.push(
      ctx.failure(
        `Container ${
          privileged.name ?? ''
        } in pod ${name} is running as privileged which poses security risks`,
        'high',
        [privileged.name, name],
      ),
    );
  }
  if (
    pod.spec?.securityContext === undefined ||
    pod.spec?.securityContext === null
  ) {
    failures.push(
      ctx.failure(
        `Pod ${name} does not have a security context defined which may pose security risks`,
        'low',
        [name],
      ),
    );
  }
  // k8sgpt keeps only the first pod failure.
  return failures.slice(0, 1);
}

/** k8sgpt `SecurityAnalyzer`. */
export const securityAnalyzer: AnalyzerDefinition = {
  name: 'Security',
  enabledByDefault: false,
  fromK8sgpt: true,
  inputKinds: ['ServiceAccount', 'Pod', 'Role', 'RoleBinding'],
  description:
    'Default service account in use, wildcard Roles, privileged containers, pods without a security context.',
  analyze: ctx => [
    ...serviceAccountResults(ctx),
    ...roleBindingResults(ctx),
    ...collect(ctx.select<Pod>('Pod'), 'Security/Pod', p =>
      podSecurityFailures(ctx, p),
    ),
  ],
};
