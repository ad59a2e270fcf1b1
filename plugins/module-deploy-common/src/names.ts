/**
 * An RFC 1123 DNS label, the rule for Kubernetes namespace names, Timoni instance names and
 * module names: lowercase letters, digits and '-', starting and ending with a letter or digit.
 *
 * @public
 */
export const DNS_LABEL_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Whether `value` is a DNS label ({@link DNS_LABEL_PATTERN}) of at most 63 characters.
 *
 * @public
 */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS_LABEL_PATTERN.test(value);
}
