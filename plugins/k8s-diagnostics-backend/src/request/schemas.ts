/** The zod schemas of values several requests carry: a finding id and a Kubernetes name. */
import { z } from 'zod';

/** The id of a finding, as GET /entity gives it. */
export const FINDING_ID = z
  .string()
  .regex(/^[0-9a-f]{6,64}$/, 'must be the id of a finding from GET /entity');

/** A container or pod name (DNS label / subdomain). */
export const K8S_NAME = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a Kubernetes name');
