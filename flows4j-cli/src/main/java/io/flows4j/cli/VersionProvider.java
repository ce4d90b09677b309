package io.flows4j.cli;

import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Kernels;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** Prints the version, the JVM and the kernels chosen at start-up. */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() throws IOException {
    Properties p = new Properties();
    try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        p.load(in);
      }
    }
    return new String[] {
      "flows4j " + p.getProperty("version", "unknown"),
      "java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
      "kernels: gemm=" + Kernels.gemm().name() + ", threads=" + Threads.count()
    };
  }
}
