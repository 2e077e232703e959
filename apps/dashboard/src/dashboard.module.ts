import { Module } from '@nestjs/common';
import { loadDashboardAssets } from './dashboard-assets';
import { DASHBOARD_ASSETS, DashboardController } from './dashboard.controller';

/**
 * The admin web page at /dashboard. Needs the global `AdminAuth` provider (the admin module's) to tell a signed-in
 * admin from anyone else; its files are read when the module is built, so a missing one fails the bus's start.
 */
@Module({
  controllers: [DashboardController],
  providers: [{ provide: DASHBOARD_ASSETS, useFactory: () => loadDashboardAssets() }],
})
export class DashboardModule {}
