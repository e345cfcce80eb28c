// How a stored vendor key is shown: its last four characters at most, whatever the backend sent.
export function maskedKey(key: { last4: string } | null): string {
  return key ? `•••• ${key.last4.slice(-4)}` : 'Not set';
}
