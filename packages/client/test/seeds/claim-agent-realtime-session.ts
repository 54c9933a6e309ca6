import { AgentMCApi } from '@agentmc/api';

const client = new AgentMCApi({
  apiKey: process.env.AGENTMC_API_KEY,
});

const result = await client.operations.claimAgentRealtimeSession({
  params: {
    path: {
      session: 1,
    },
  },
  body: {},
});

if (result.error) {
  console.error(result.status, result.error);
} else {
  console.log(result.data);
}
