/** Injection token of the API keys the api accepts (parsed once at start, see bootstrap.ts). */
export const API_KEY_LIST = Symbol('API_KEY_LIST');
