/**
 * The connectors the config, routing and engine specs write routes for: their real modules, so that specs validate
 * route files exactly as the bus does. Not part of the build (`**\/testing/**` is excluded from tsconfig.build.json).
 */
import { routeSchemas } from '@junction/config';
import { httpConnector } from '../http/http.connector';
import { kafkaConnector } from '../kafka/kafka.connector';
import { soapConnector } from '../soap/soap.connector';
import { sqlConnector } from '../sql/sql.connector';
import { fileConnector } from '../file/file.connector';
import { ftpConnector } from '../ftp/ftp.connector';
import { sftpConnector } from '../sftp/sftp.connector';

export const SPEC_CONNECTORS = [httpConnector, soapConnector, kafkaConnector, sqlConnector, fileConnector, sftpConnector, ftpConnector] as const;

/** The route schemas built from SPEC_CONNECTORS. */
export const specSchemas = () => routeSchemas(SPEC_CONNECTORS);
