// The waterfall per field group: which vendor operations are tried, in which order.
import { Divider, Flex, Text } from '@hubspot/ui-extensions';
import { Fragment } from 'react';
import type { TabProps } from './types.ts';
import { WaterfallGroup } from './WaterfallGroup.tsx';

export function WaterfallTab(props: TabProps) {
  return (
    <Flex direction="column" gap="md">
      <Text>
        For each group of fields Cascade tries these steps in order and stops as soon as the fields are found. Cached
        answers are used first and cost nothing.
      </Text>
      {props.settings.groups.map((g, i) => (
        <Fragment key={g}>
          {i > 0 && <Divider />}
          <WaterfallGroup {...props} group={g} />
        </Fragment>
      ))}
    </Flex>
  );
}
