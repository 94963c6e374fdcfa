import { basename } from 'path';

const count: number = 'three'; // a type error: the plugin prints it and builds all the same

export const hello = async (event: { body?: string }) => ({
  statusCode: 200,
  body: `${basename(__filename)} says ${event.body} (${typeof count})`,
});
