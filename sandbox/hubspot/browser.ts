// What a person's browser does during the install: follow Cascade's /oauth/install to HubSpot's
// consent page (the sandbox consents at once) and back to Cascade's /oauth/callback. Shared by the
// tests, the demo and the benchmark.

export interface InstallHop {
  url: string;
  status: number;
}

export async function installViaOAuth(cascadeUrl: string): Promise<{ hops: InstallHop[]; status: number; body: string }> {
  const hops: InstallHop[] = [];
  let next = `${cascadeUrl}/oauth/install`;
  for (let hop = 0; hop < 6; hop++) {
    const res = await fetch(next, { redirect: 'manual' });
    hops.push({ url: next, status: res.status });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      next = new URL(location, next).toString();
      continue;
    }
    return { hops, status: res.status, body: await res.text() };
  }
  throw new Error('too many redirects during the install');
}
