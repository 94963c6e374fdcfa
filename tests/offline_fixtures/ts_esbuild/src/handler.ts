import { greet } from './greeting';

interface WebSocketEvent {
  body?: string;
}

export const hello = async (event: WebSocketEvent) => ({ statusCode: 200, body: JSON.stringify(greet(event.body ?? '')) });

export const boom = async (): Promise<never> => {
  throw new Error('thrown in TypeScript');
};
