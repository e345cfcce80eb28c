// How the engine obtains a portal's vendor key. The engine never stores or logs a key; it asks for
// it right before a call and identifies it elsewhere only by its fingerprint.
export interface VendorKey {
  apiKey: string;
  fingerprint: string;
}

export interface KeyProvider {
  vendorsWithKeys(portalId: number): Promise<Set<string>>;
  keyFor(portalId: number, vendor: string): Promise<VendorKey | null>;
}
