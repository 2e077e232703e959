export * from './admin.module';
export * from './admin.tokens';
export { routeView } from './routes.controller';
