// Calls that must not compile. Each `@ts-expect-error` names the error TypeScript has to report
// on the line below it; test/type-safety.test.ts removes the directives and checks that exactly
// those errors appear, so a directive cannot pass by swallowing some other mistake.
import { AgentMCApi, chatSignal } from '@agentmc/api';

const api = new AgentMCApi();

export async function wrongCalls() {
  // A path parameter of the wrong type.
  // @ts-expect-error TS2322 session is a number, not a string
  await api.operations.claimAgentRealtimeSession({ params: { path: { session: '1' } }, body: {} });

  // A query parameter of the wrong type.
  // @ts-expect-error TS2322 limit is a number
  await api.operations.listAgentRealtimeRequestedSessions({ params: { query: { limit: '20' } } });

  // A required part left out: the claim needs its path.
  // @ts-expect-error TS2345 params is required
  await api.operations.claimAgentRealtimeSession({ body: {} });

  // A required body field left out.
  // @ts-expect-error TS2741 agent_id is required
  await api.operations.createRealtimeSession({ body: {} });

  // A body field that does not exist.
  // @ts-expect-error TS2353 agent is not a field of the body
  await api.operations.createRealtimeSession({ body: { agent_id: 1, agent: 2 } });

  // A header the route does not declare, misspelt.
  await api.operations.claimAgentRealtimeSession({
    params: { path: { session: 1 } },
    // @ts-expect-error TS2561 the header is idempotency-key (did you mean)
    headers: { idempotency_key: 'x' },
  });

  // An operation the contract does not have.
  // @ts-expect-error TS2339 no such operation
  await api.operations.launchRocket({ params: { path: { session: 1 } } });

  const result = await api.operations.claimAgentRealtimeSession({
    params: { path: { session: 1 } },
    body: {},
  });

  // A status the operation never answers with.
  // @ts-expect-error TS2367 418 is not among the statuses
  if (result.status === 418) return;

  // data before narrowing: it may be an error result.
  // @ts-expect-error TS18048 data is undefined on errors
  console.log(result.data.data.id);

  if (result.status === 200) {
    // A field the session does not have.
    // @ts-expect-error TS2339 no such field
    console.log(result.data.data.session_id);
    // No error on a 200.
    // @ts-expect-error TS18048 error is undefined on 200
    console.log(result.error.error);
  } else {
    // An error code the API does not send.
    // @ts-expect-error TS2367 not an error code
    if (result.error.error.code === 'session.gone') return;
    // An error status has no data.
    // @ts-expect-error TS18048 data is undefined on errors
    console.log(result.data.data);
  }

  if (result.error) {
    // Narrowed by error: 200 is no longer possible.
    // @ts-expect-error TS2367 not an error status
    if (result.status === 200) return;
  }

  // A session status the contract does not have.
  const list = await api.operations.listAgentRealtimeRequestedSessions();
  if (!list.error) {
    // @ts-expect-error TS2322 status is a session status
    list.data.data[0]!.status = 'done';
  }

  // A typo in a known chat message kind; an application's own kinds stay possible.
  // @ts-expect-error TS2345 not a chat message kind
  chatSignal('chat.agent.dnoe', 'Hello');
  chatSignal('chat.agent.delta', 'Hel', { requestId: 'r-1', index: 0 });
  chatSignal('weather.card', '18 °C');

  // A browser token source gives strings.
  // @ts-expect-error TS2322 a token is a string
  new AgentMCApi({ token: () => Promise.resolve(42) });
}
