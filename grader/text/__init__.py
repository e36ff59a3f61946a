"""grader.text"""
