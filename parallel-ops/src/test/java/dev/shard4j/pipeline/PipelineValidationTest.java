package dev.shard4j.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.local.LocalCluster;
import dev.shard4j.layers.GptConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad pipeline configurations fail before the first step, with messages that name the offending values. */
class PipelineValidationTest {
  private static final GptConfig TWO_LAYERS = PipelineRuns.model(2);

  private static String error(PipelineConfig c) {
    return assertThrows(IllegalArgumentException.class, c::validate).getMessage();
  }

  @Test
  void moreStagesThanLayers() {
    assertEquals("pipeline: 4 virtual stages (pp=4 x chunks=1) but the model has only 2 transformer blocks",
        error(PipelineRuns.config(TWO_LAYERS, PipelineMesh.of(4, 1, 1), "1f1b", 1, 4)));
    assertEquals("pipeline: 4 virtual stages (pp=2 x chunks=2) but the model has only 2 transformer blocks",
        error(PipelineRuns.config(TWO_LAYERS, PipelineMesh.of(2, 1, 1), "interleaved", 2, 4)));
  }

  @Test
  void microBatchesThatDoNotDivideTheBatch() {
    assertEquals("pipeline: microBatches=3 does not divide the 8 rows per data-parallel rank (batch=8, dp=1)",
        error(PipelineRuns.config(TWO_LAYERS, PipelineMesh.of(2, 1, 1), "gpipe", 1, 3)));
    assertEquals("pipeline: microBatches=8 does not divide the 4 rows per data-parallel rank (batch=8, dp=2)",
        error(PipelineRuns.config(TWO_LAYERS, PipelineMesh.of(2, 2, 1), "gpipe", 1, 8)));
    assertEquals("interleaved schedule: microBatches=2 must be a multiple of the pipeline stages=4",
        error(PipelineRuns.config(PipelineRuns.model(8), PipelineMesh.of(4, 1, 1), "interleaved", 2, 2)));
  }

  @Test
  void stageMapsThatSkipOrRepeatALayer() {
    PipelineConfig base = PipelineRuns.config(TWO_LAYERS, PipelineMesh.of(2, 1, 1), "1f1b", 1, 4);
    // layers: 0 embedding, 1 blocks.0, 2 blocks.1, 3 head
    assertEquals("stage map: stage 1 has layer 3 (head) where layer 2 (blocks.1) comes next: layers must appear "
        + "once each, in order", error(base.withStageMap(List.of(List.of(0, 1), List.of(3)))));
    assertEquals("stage map: layer 1 (blocks.0) appears in stage 0 and again in stage 1",
        error(base.withStageMap(List.of(List.of(0, 1), List.of(1, 2, 3)))));
    assertEquals("stage map: layer 3 (head) is in no stage",
        error(base.withStageMap(List.of(List.of(0, 1), List.of(2)))));
    assertEquals("stage map: stage 1 has no layers", error(base.withStageMap(List.of(List.of(0, 1, 2, 3),
        List.of()))));
    assertEquals("pipeline: the stage map has 3 stages, the schedule Schedule(1f1b, p=2, v=1, m=4) has 2 virtual "
        + "stages", error(base.withStageMap(List.of(List.of(0), List.of(1, 2), List.of(3)))));
    // a valid uneven map is accepted
    StageMap ok = base.withStageMap(List.of(List.of(0), List.of(1, 2, 3))).validate().stageMap();
    assertEquals("StageMap[embedding, blocks.0-1+head]", ok.toString());
  }

  @Test
  void aTiedHeadNeedsFirstAndLastStageOfTheSameShape() {
    PipelineMesh mesh = PipelineMesh.ofStages(List.of(new StageShape(2, 1, false), new StageShape(1, 2, false)));
    assertEquals("pipeline: a tied LM head needs the first and last stage to have the same shape, got dp=2,tp=1 and "
        + "dp=1,tp=2; untie the head or match them", error(PipelineRuns.config(TWO_LAYERS, mesh, "1f1b", 1, 4)));
    PipelineMesh threeRows = PipelineMesh.ofStages(List.of(new StageShape(1, 1, false), new StageShape(3, 1, false)));
    assertEquals("pipeline: batch=8 is not divisible by dp=3 on stage 1",
        error(PipelineRuns.config(TWO_LAYERS.withTiedLmHead(false), threeRows, "1f1b", 1, 4)));
  }

  @Test
  void meshAndScheduleNames() {
    assertEquals(PipelineMesh.of(2, 2, 1), PipelineMesh.parse("pp=2,dp=2"));
    assertEquals(new PipelineMesh(2, 1, 2, true), PipelineMesh.parse("pp=2, tp=2, sp"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PipelineMesh.parse("pp=2,ep=2"));
    assertTrue(e.getMessage().contains("unknown axis 'ep'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PipelineMesh.parse("pp=0"));
    assertTrue(error(PipelineRuns.config(TWO_LAYERS, PipelineMesh.of(2, 1, 1), "zigzag", 1, 4))
        .contains("unknown schedule 'zigzag'"));
  }

  @Test
  void aWorldOfTheWrongSizeFailsOnEveryRankBeforeAnyStep() {
    PipelineConfig c = PipelineRuns.config(TWO_LAYERS, PipelineMesh.of(2, 2, 1), "1f1b", 1, 4);
    LocalCluster.run(2, comm -> {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PipelineTrainer(comm, c));
      assertEquals("PipelineGroups: world has 2 ranks, mesh pp=2,dp=2,tp=1 needs 4", e.getMessage());
    });
  }
}
