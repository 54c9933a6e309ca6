import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import {
  ClientSessionFrame,
  ClientWatchFrame,
  REALTIME_SOCKET_PATHS,
  ServerSessionFrame,
  ServerWatchFrame,
  createAsyncApiDocument,
} from '../src/index.js';

const document = createAsyncApiDocument();
const parsed = await new Parser().parse(JSON.stringify(document));

/** The `type`s of a discriminated union of frames. */
const typesOf = (union: { options: readonly { shape: { type: { value: string } } }[] }) =>
  union.options.map((option) => option.shape.type.value).sort();

describe('the AsyncAPI document', () => {
  it('is a valid AsyncAPI 3 document: the AsyncAPI parser reports no error or warning', () => {
    expect(document.asyncapi).toBe('3.0.0');
    expect(parsed.document).toBeDefined();
    // Severity 0 is an error, 1 a warning; the only hint is that 3.1.0 exists.
    const problems = parsed.diagnostics.filter((d) => Number(d.severity) < 2);
    expect(problems.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
  });

  it('has the session socket and the watch socket, at the paths the server serves', () => {
    const addresses = parsed
      .document!.channels()
      .all()
      .map((c) => c.address());
    expect(addresses.sort()).toEqual(
      [
        REALTIME_SOCKET_PATHS.session.replace(':session', '{session}'),
        REALTIME_SOCKET_PATHS.watch,
      ].sort(),
    );
  });

  it.each([
    ['session', 'receive', ClientSessionFrame],
    ['session', 'send', ServerSessionFrame],
    ['watch', 'receive', ClientWatchFrame],
    ['watch', 'send', ServerWatchFrame],
  ] as const)(
    'on the %s socket, the server %ss exactly the contract’s frames',
    (channel, action, union) => {
      const types = parsed
        .document!.operations()
        .all()
        .filter((op) => op.action() === action && op.channels().all()[0]!.id() === channel)
        .flatMap((op) => op.messages().all())
        .map(
          (message) =>
            (message.payload()!.properties()!.type!.const() ??
              message.payload()!.properties()!.type!.enum()![0]) as string,
        )
        .sort();
      expect(types).toEqual(typesOf(union as never));
    },
  );

  it('generates each message’s payload from the contract’s frame schema', () => {
    const ready = parsed.document!.components().schemas().get('sessionReady')!;
    expect(ready.required()).toEqual(
      expect.arrayContaining([
        'type',
        'role',
        'session',
        'last_signal_id',
        'heartbeat_interval_seconds',
      ]),
    );
    const session = ready.properties()!.session!;
    expect(session.required()!.slice(0, 14)).toContain('claimed_at');
    expect(ready.properties()!.role!.enum()).toEqual(['agent', 'browser']);
  });

  it('gives every message an example that the contract’s own schema for it accepts', () => {
    const unions = [ClientSessionFrame, ServerSessionFrame, ClientWatchFrame, ServerWatchFrame];
    for (const message of parsed.document!.messages().all()) {
      const examples = message.examples().all();
      expect(examples.length, message.id()).toBeGreaterThan(0);
      for (const example of examples) {
        const accepted = unions.some((union) => union.safeParse(example.payload()).success);
        expect(accepted, `${message.id()}: ${JSON.stringify(example.payload())}`).toBe(true);
      }
    }
  });

  it('says how a socket is opened: a ticket in the query, never an API key', () => {
    for (const channel of parsed.document!.channels().all()) {
      expect(channel.description()).toMatch(/ticket/);
      const query = channel.bindings().get('ws')!.value<{ query: { required: string[] } }>();
      expect(query.query.required).toEqual(['ticket']);
    }
  });
});
