// Copilot gave every environment a load balancer of its own, each serving its `http.path` and
// aliases; shipline's environments share one load balancer, on which each environment has its own
// path or host, and exactly one (the default) takes every request no other matches. So routes that
// would collide are told apart, and each change is reported.
import { refuse, type NotCarried } from './report';
import type { Route } from './service-fields';

export interface EnvironmentRoute {
  /** shipline's environment name. */
  name: string;
  route: Route;
  /** Where the path and the host came from: `http.path`, `environments.prod.http.alias` … */
  pathField: string;
  hostField: string;
}

/**
 * The route each environment gets on the shared load balancer. The default is the last environment
 * (in pipeline order: production, usually) served at `/` on no particular host; failing that, the
 * last on no host; failing that, the last. Another environment at `/` gets `/<name>`, and a route
 * taken twice gets the environment's name in front of its path.
 */
export function assignRoutes(environments: EnvironmentRoute[], file: string): { routes: Route[]; notes: NotCarried[] } {
  const notes: NotCarried[] = [];
  const lastWhere = (test: (r: Route) => boolean) => environments.map((e) => test(e.route)).lastIndexOf(true);
  const byRoot = lastWhere((r) => r.host === undefined && r.path === undefined);
  const byNoHost = lastWhere((r) => r.host === undefined);
  const defaultIndex = byRoot >= 0 ? byRoot : byNoHost >= 0 ? byNoHost : environments.length - 1;
  const taken = new Set<string>();
  const routes = environments.map((env, i): Route => {
    const { path, host } = env.route;
    if (i === defaultIndex) {
      if (host !== undefined) notes.push(refuse(file, env.hostField, `"${host}": ${env.name} is shipline's default environment, served for every host no other environment takes (exactly one environment has no path or host)`));
      if (path !== undefined) notes.push(refuse(file, env.pathField, `"${path}": ${env.name} is shipline's default environment, served at every path no other environment takes, not only ${path}`));
      return { path: undefined, host: undefined };
    }
    let route: Route = { path, host };
    if (host === undefined && path === undefined) {
      route = { path: `/${env.name}`, host: undefined };
      notes.push(refuse(file, env.pathField, `"/": Copilot gave each environment a load balancer of its own; shipline's share one, so ${env.name} is served at /${env.name} (the app sees that prefix)`));
    } else if (taken.has(key(route))) {
      route = { path: `/${env.name}${path ?? ''}`, host };
      notes.push(refuse(file, env.pathField, `"${path ?? '/'}"${host ? ` on ${host}` : ''} is another environment's route on shipline's shared load balancer; ${env.name} is served at ${route.path} (the app sees that prefix)`));
    }
    taken.add(key(route));
    return route;
  });
  return { routes, notes };
}

const key = (route: Route) => `${route.host ?? ''}${route.path ?? '/'}`;
