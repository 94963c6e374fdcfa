// An ES module by its folder's package.json ("type": "module"), with a top-level await.
const greeting = await Promise.resolve('hello from an ES module');

export const hello = async () => ({ statusCode: 200, body: JSON.stringify({ greeting, commonJs: typeof require !== 'undefined' }) });
