/**
 * Compile-time proof, checked by `tsc --noEmit`, never run: a route's own failures come from the
 * sessions layer's result unions with literal statuses, so the contract's per-route statuses
 * bind the server. A route whose contract entry loses a status its sessions operation can
 * answer no longer compiles.
 */
import { contract } from '@agentmc/contract';
import { initContract } from '@ts-rest/core';
import { initServer } from '@ts-rest/express';
import { failed } from '../../src/http/routes.js';
import type { AgentActor } from '../../src/sessions/actor.js';
import type { Sessions } from '../../src/sessions/sessions.js';

declare const sessions: Sessions;
declare const agent: AgentActor;
const s = initServer();
const c = initContract();

const claim = contract.claimAgentRealtimeSession;
const { 409: _conflict, ...withoutConflict } = claim.responses;
const { 404: _notFound, ...withoutNotFound } = claim.responses;
const noConflict = c.router(
  { claimAgentRealtimeSession: { ...claim, responses: withoutConflict } },
  { strictStatusCodes: true },
);
const noNotFound = c.router(
  { claimAgentRealtimeSession: { ...claim, responses: withoutNotFound } },
  { strictStatusCodes: true },
);

/** The claim's handler as `http/routes.ts` writes it. */
const handler = async ({ params }: { params: { session: number } }) => {
  const claimed = await sessions.claim(agent, params.session, null);
  if (!claimed.ok) return failed(claimed);
  return { status: 200 as const, body: { data: claimed.value } };
};

// The contract as it is: compiles.
s.router({ claimAgentRealtimeSession: claim }, { claimAgentRealtimeSession: handler });
// …and so does one that only adds a status.
s.router(
  c.router(
    {
      claimAgentRealtimeSession: {
        ...claim,
        responses: { ...claim.responses, 410: claim.responses[409] },
      },
    },
    { strictStatusCodes: true },
  ),
  { claimAgentRealtimeSession: handler },
);

s.router(noConflict, {
  // @ts-expect-error the claim can answer 409, which this contract entry no longer lists
  claimAgentRealtimeSession: handler,
});

s.router(noNotFound, {
  // @ts-expect-error the claim can answer 404, which this contract entry no longer lists
  claimAgentRealtimeSession: handler,
});
