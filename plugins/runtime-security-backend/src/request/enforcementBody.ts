/** The body of POST /policies/enforcement. */
import { InputError } from '@backstage/errors';
import { EnforcementRequest } from '@periscope/backstage-plugin-runtime-security-common';
import { z } from 'zod';

const k8sName = (what: string) =>
  z
    .string({ error: `'${what}' must be a string` })
    .regex(
      /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
      `'${what}' must be a Kubernetes name (lowercase letters, digits, '-' and '.')`,
    )
    .max(253);

const schema = z
  .object({
    cluster: z
      .string({ error: "'cluster' must be the name of the policy's cluster" })
      .min(1)
      .max(255),
    namespace: k8sName('namespace'),
    name: k8sName('name'),
    action: z.enum(['Sigkill', 'Override'], {
      error: "'action' must be 'Sigkill' or 'Override'",
    }),
  })
  .strict();

/** The policy to propose and its action; else 400 naming every bad field. */
export function parseEnforcementBody(body: unknown): EnforcementRequest {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new InputError(
      `the enforcement request is invalid (${parsed.error.issues
        .map(i => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join(
          '; ',
        )}): send {"cluster": "...", "namespace": "...", "name": "<TracingPolicyNamespaced>", "action": "Sigkill" | "Override"}`,
    );
  }
  return parsed.data;
}
