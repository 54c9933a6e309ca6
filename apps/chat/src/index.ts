export { ChatError, runChat, type ChatOptions, type ChatResult } from './chat.js';
export { ChatUsageError, loadChatConfig, type ChatConfig } from './config.js';
