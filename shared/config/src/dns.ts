/** RFC 1123 label: lowercase alphanumerics and "-", starts and ends alphanumeric, at most 63 characters. */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** RFC 1035 label: like a DNS-1123 label but must start with a letter (Kubernetes Service and CR names). */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A Kubernetes label value: at most 63 characters, alphanumerics, "-", "_", ".", alphanumeric at both ends. */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export const DNS_1123_MESSAGE =
  'must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)';
export const DNS_1035_MESSAGE =
  'must be a DNS-1035 label (lowercase letters, digits and "-", starting with a letter, ending with a letter or digit, at most 63 characters)';
export const LABEL_VALUE_MESSAGE =
  'must be a valid label value (at most 63 characters: letters, digits, "-", "_" and ".", starting and ending with a letter or digit)';

/**
 * @example
 * isDns1123Label("anomaly-detector") // true
 * isDns1123Label("Anomaly.Detector") // false
 */
export function isDns1123Label(value: string): boolean {
  return DNS_1123_LABEL.test(value);
}
