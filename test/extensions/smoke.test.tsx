import { describe, expect, it } from 'vitest';
import { Button, Text } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';

function Hello({ onGo }: { onGo: () => void }) {
  return (
    <>
      <Text>hello</Text>
      <Button onClick={onGo}>Go</Button>
    </>
  );
}

describe('toolchain', () => {
  it('renders', () => {
    let n = 0;
    const r = createRenderer('crm.record.sidebar');
    r.render(<Hello onGo={() => n++} />);
    r.find(Button).trigger('onClick');
    expect(r.find(Text).text).toBe('hello');
    expect(n).toBe(1);
  });
});
