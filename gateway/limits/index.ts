export { queryDepthRule, queryDepthMaxDefault } from './depth.js';
export { queryAliasRule, queryAliasCountMaxDefault } from './aliases.js';
export { queryCostRule, queryCostMaxDefault, connectionPageSizeMax } from './cost.js';
export { checkTokenLimit, countTokensUpTo, queryTokenCountMaxDefault } from './tokens.js';
export { readBodyWithLimit, requestBodyBytesMaxDefault } from './body-size.js';
export { LimitRefusal, limitCodes, isLimitCode, findLimitRefusal, type LimitCode, type LimitName } from './limit-refusal.js';

/** Every query limit the gateway enforces, with its unit in its name. */
export interface GatewayLimits {
  queryDepthMax: number;
  queryAliasCountMax: number;
  queryTokenCountMax: number;
  queryCostMax: number;
  requestBodyBytesMax: number;
}
