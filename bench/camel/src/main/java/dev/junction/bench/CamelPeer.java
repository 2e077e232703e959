package dev.junction.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

/**
 * The Apache Camel 4 peer of the benchmark: Camel Main, the YAML routes of src/main/resources/routes (S1, S2, S4, S5,
 * S6), and Vert.x's platform-http server on 127.0.0.1:PORT, started here as a Camel service. Usage:
 * {@code java -cp 'target/classes:target/lib/*' dev.junction.bench.CamelPeer <port> <backend origin> [pool size]}.
 * Prints "camel peer listening on <port>" once the routes are started.
 */
public final class CamelPeer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final XmlMapper XML = new XmlMapper();

  private CamelPeer() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) throw new IllegalArgumentException("usage: CamelPeer <port> <backend origin> [pool size]");
    int port = Integer.parseInt(args[0]);
    String backend = args[1];
    String pool = args.length > 2 ? args[2] : "128";

    Main main = new Main();
    main.configure().withRoutesIncludePattern("classpath:routes/*.yaml");
    main.addInitialProperty("backend", backend);
    // The same pool as the bus's HTTP egress (undici, 128 connections per origin).
    main.addInitialProperty("camel.component.http.maxTotalConnections", pool);
    main.addInitialProperty("camel.component.http.connectionsPerRoute", pool);
    main.bind("xmlToJson", (Processor) CamelPeer::xmlToJson);
    main.bind("jsonToXml", (Processor) CamelPeer::jsonToXml);
    main.bind("soapReply", (Processor) CamelPeer::soapReply);
    main.addMainListener(new MainListenerSupport() {
      @Override
      public void afterConfigure(BaseMainSupport m) {
        VertxPlatformHttpServerConfiguration conf = new VertxPlatformHttpServerConfiguration();
        conf.setBindHost("127.0.0.1");
        conf.setBindPort(port);
        try {
          m.getCamelContext().addService(new VertxPlatformHttpServer(conf));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }

      @Override
      public void afterStart(BaseMainSupport m) {
        System.out.println("camel peer listening on " + port);
        System.out.flush();
      }
    });
    main.run();
  }

  /** The SOAP order's buyStocks element as JSON ({"buyStocks":{"order":[...]}}), as the bus's S5 and S6 send it. */
  static void xmlToJson(Exchange exchange) throws Exception {
    byte[] body = exchange.getMessage().getBody(byte[].class);
    JsonNode envelope = XML.readTree(body);
    JsonNode buyStocks = envelope.path("Body").path("buyStocks");
    JsonNode orders = buyStocks.path("order");
    ObjectNode out = JSON.createObjectNode();
    ObjectNode stocks = out.putObject("buyStocks");
    // Jackson's XML module reads one <order> as an object and several as an array; the JSON always has an array.
    stocks.set("order", orders.isArray() ? orders : JSON.createArrayNode().add(orders));
    exchange.getMessage().setBody(JSON.writeValueAsBytes(out));
    exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
  }

  /** The JSON reply back as XML (S5). */
  static void jsonToXml(Exchange exchange) throws Exception {
    JsonNode reply = JSON.readTree(exchange.getMessage().getBody(byte[].class));
    exchange.getMessage().setBody(XML.writer().withRootName("reply").writeValueAsBytes(reply));
    exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/xml; charset=utf-8");
  }

  /** S6's SOAP response: the orders counted in the REST target's JSON reply. */
  static void soapReply(Exchange exchange) throws Exception {
    JsonNode reply = JSON.readTree(exchange.getMessage().getBody(byte[].class));
    JsonNode orders = reply.path("buyStocks").path("order");
    int count = orders.isArray() ? orders.size() : orders.isMissingNode() ? 0 : 1;
    String xml = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
        + "<m0:buyStocksResponse xmlns:m0=\"http://services.samples\"><status>accepted</status><orders>" + count
        + "</orders></m0:buyStocksResponse></soapenv:Body></soapenv:Envelope>";
    exchange.getMessage().setBody(xml.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/xml; charset=utf-8");
  }
}
