export interface Greeting {
  text: string;
  builtBy: string;
}

declare const BUILT_BY: string;

export function greet(body: string): Greeting {
  return { text: `hello ${body}`, builtBy: BUILT_BY };
}
