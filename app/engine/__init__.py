"""The engine adapter: the only package that imports SpiffWorkflow.

It parses and validates diagrams and their DMN decision tables (`compile_diagrams`,
`decisions`), runs instances (`Instance`) and returns plain data. Scripts, conditions, timer
expressions and decision tables run in the sandbox of `sandbox`.
"""
from app.engine.cache import InstanceCache
from app.engine.instance import (
    DataTooLarge,
    EngineError,
    HumanTaskInfo,
    Instance,
    MessageNotExpected,
    TaskNotReady,
    VersionRef,
    correlation_key,
)
from app.engine.serializer import FORMAT_VERSION as STATE_FORMAT_VERSION
from app.engine.serializer import SpecCache
from app.engine.specs import (
    DeployError,
    Problem,
    ProcessPackage,
    behaviour_of,
    compile_diagrams,
)

__all__ = [
    "STATE_FORMAT_VERSION",
    "DataTooLarge", "DeployError", "EngineError", "HumanTaskInfo", "Instance", "InstanceCache",
    "MessageNotExpected", "Problem", "ProcessPackage", "SpecCache", "TaskNotReady", "VersionRef",
    "behaviour_of", "compile_diagrams", "correlation_key",
]
